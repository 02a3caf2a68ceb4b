"""Rebuild the search documents of every article, in batches, in parallel, resumably.

Articles are cut into id ranges of --batch-size ids; each range is one transaction that
writes the documents of its searchable articles and deletes the others, so any range can
be redone at any time. With --workers N, N processes (each with its own database
connection) take ranges in turn; results are collected in id order, so "done up to id X"
always means every range below X is written, and `--start-after X` resumes there.
"""

import multiprocessing
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, connections
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from articles.models import Article
from articles.search.documents import searchable
from articles.search.parallel import rebuild_range, start

MAX_WORKERS = 32


def ranges(after, last, size):
    return [(first, min(first + size - 1, last)) for first in range(after + 1, last + 1, size)]


class Command(BaseCommand):
    help = _("重建全文检索索引（分批、可并行，可用 --start-after 从中断处继续）。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help=_("每批处理的文章 id 数（默认 500）。")
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help=_("并行进程数，各用自己的数据库连接（默认 1；仅 PostgreSQL 支持多于 1）。"),
        )
        parser.add_argument(
            "--start-after",
            type=int,
            default=0,
            metavar="ID",
            help=_("只处理 id 大于此值的文章，用于从中断处继续。"),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("只统计将要写入的数量，不写数据库。")
        )

    def handle(self, *args, batch_size, workers, start_after, dry_run, verbosity, **options):
        if batch_size < 1 or batch_size > 10_000:
            raise CommandError(_("--batch-size 应在 1 到 10000 之间。"))
        if workers < 1 or workers > MAX_WORKERS:
            raise CommandError(_("--workers 应在 1 到 %(n)d 之间。") % {"n": MAX_WORKERS})
        if start_after < 0:
            raise CommandError(_("--start-after 不能为负数。"))
        remaining = Article.objects.filter(pk__gt=start_after)
        if dry_run:
            total, indexable = remaining.count(), searchable().filter(pk__gt=start_after).count()
            self.stdout.write(
                _("将处理 %(total)d 篇文章，其中 %(indexable)d 篇可被检索（未写入）。")
                % {"total": total, "indexable": indexable}
            )
            return
        if workers > 1 and connection.vendor != "postgresql":
            # SQLite has one writer at a time: more processes would only wait for it.
            workers = 1
        last = remaining.order_by("-pk").values_list("pk", flat=True).first() or start_after
        batches = ranges(start_after, last, batch_size)
        progress = tqdm(
            total=remaining.count(),
            unit=str(_("篇")),
            disable=verbosity == 0 or not sys.stderr.isatty(),
        )
        written, done, started = 0, start_after, time.monotonic()
        pool = None
        try:
            if workers > 1:
                databases = {alias: connections[alias].settings_dict for alias in connections}
                pool = multiprocessing.get_context("spawn").Pool(workers, start, (databases,))
                results = pool.imap(rebuild_range, batches)
            else:
                results = map(rebuild_range, batches)
            # In id order whatever the workers finish first: `done` is always resumable.
            for done, articles, count in results:
                written += count
                progress.update(articles)
                if verbosity >= 2:
                    self.stdout.write(_("已处理至 id %(id)d") % {"id": done})
        except KeyboardInterrupt:
            raise CommandError(_("已中断；用 --start-after %(id)d 继续。") % {"id": done}) from None
        except DatabaseError as error:
            raise CommandError(
                _("出错：%(error)s；用 --start-after %(id)d 继续。") % {"error": error, "id": done}
            ) from error
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
            progress.close()
        if verbosity:
            seconds = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(
                    _("已写入 %(count)d 篇文章的检索索引，用时 %(seconds).1f 秒。")
                    % {"count": written, "seconds": seconds}
                )
            )
