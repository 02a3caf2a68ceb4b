"""`manage.py flush_counters`: move read counts from Redis into the database.

Run it every minute from cron, or keep it running with `--loop 30`. Either way a flush that
is killed at any point loses no read and counts none twice (see articles/counters/flush.py),
and two flushes running at once are safe. Readers see pending counts anyway, so how often
it runs only decides how fresh DailyReads and Article.view_count are in the database.
With the database counter (no REDIS_URL) there is nothing to flush and it says so.
"""

import signal
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.translation import gettext as _
from tqdm import tqdm

from articles import hot
from articles.counters import get_counter
from articles.counters.flush import flush_once, prune_records


class Command(BaseCommand):
    @property
    def help(self):
        return _("把 Redis 中待写入的阅读数写入数据库（可由 cron 每分钟运行，或用 --loop 常驻）。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=_("只报告待写入的阅读数，不写入。")
        )
        parser.add_argument(
            "--loop",
            type=float,
            default=0,
            metavar="SECONDS",
            help=_("常驻运行，每隔这么多秒写入一次（收到 SIGTERM 后写完当前批次再退出）。"),
        )
        parser.add_argument(
            "--iterations",
            type=int,
            default=0,
            help=_("与 --loop 同用：运行这么多轮后退出（0 表示不限）。"),
        )
        parser.add_argument(
            "--max-batches",
            type=int,
            default=100,
            help=_("每轮最多写入的批次数（默认：%(default)s）。"),
        )

    def handle(self, *args, dry_run, loop, iterations, max_batches, verbosity, **options):
        if loop < 0 or iterations < 0 or max_batches < 1:
            raise CommandError(_("--loop、--iterations 不能为负，--max-batches 至少为 1。"))
        counter = get_counter()
        if not hasattr(counter, "claim_batch"):
            if verbosity >= 1:
                self.stdout.write(_("使用数据库计数（未设置 REDIS_URL），无需写入。"))
            if not dry_run:
                hot.refresh()  # still worth a minute's cron: pages need not rank them
            return
        if dry_run:
            self._report_waiting(counter)
            return
        self.stopping = False
        if loop:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        rounds = 0
        while True:
            if not loop:
                self._flush_round(counter, max_batches, verbosity)
                break
            try:
                self._flush_round(counter, max_batches, verbosity)
            except Exception as exc:  # any failure: report it, the next round retries
                self.stderr.write(_("本轮写入失败，稍后重试：%(error)s") % {"error": exc})
            # A long-running loop must notice a restarted database.
            close_old_connections()
            rounds += 1
            if self.stopping or (iterations and rounds >= iterations):
                break
            deadline = time.monotonic() + loop
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(min(0.5, loop))

    def _stop(self, signum, frame):
        self.stopping = True

    def _report_waiting(self, counter):
        try:
            waiting = counter.waiting_total()
        except Exception as exc:  # redis errors vary by version; any means "unreachable"
            raise CommandError(_("无法连接 Redis：%(error)s") % {"error": exc}) from exc
        self.stdout.write(_("（演练，未写入）待写入阅读数：%(reads)d") % {"reads": waiting})

    def _flush_round(self, counter, max_batches, verbosity):
        batches = reads = articles = 0
        progress = tqdm(
            total=None,
            unit=_("批"),
            disable=verbosity == 0 or not sys.stderr.isatty(),
            leave=False,
        )
        try:
            for _round in range(max_batches):
                outcome = flush_once(counter)
                if outcome is None:
                    break
                flush_id, record = outcome
                batches += 1
                progress.update(1)
                if record is None:
                    if verbosity >= 2:
                        self.stdout.write(_("批次 %(id)s 早已写入，已清理。") % {"id": flush_id})
                    continue
                reads += record.reads
                articles += record.articles
                if verbosity >= 2:
                    self.stdout.write(
                        _("批次 %(id)s：%(reads)d 次阅读，%(articles)d 篇文章")
                        % {"id": flush_id, "reads": record.reads, "articles": record.articles}
                    )
        except Exception as exc:
            if exc.__class__.__module__.startswith("redis"):
                raise CommandError(_("无法连接 Redis：%(error)s") % {"error": exc}) from exc
            raise
        finally:
            progress.close()
        prune_records()
        # The hot picks ranked with these reads, so no reader's page has to rank them.
        hot.refresh()
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    _("已写入 %(reads)d 次阅读（%(articles)d 篇文章，%(batches)d 批）。")
                    % {"reads": reads, "articles": articles, "batches": batches}
                )
            )
