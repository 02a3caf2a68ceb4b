"""Rebuild the search documents of every article, in batches, resumably.

Articles are walked in id order; each batch is one transaction that writes the documents
of its searchable articles and deletes those of the others, so running it again (or
resuming with --start-after) is always safe.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from articles.models import Article
from articles.search.documents import refresh_documents, searchable


class Command(BaseCommand):
    help = _("重建全文检索索引（分批进行，可用 --start-after 从中断处继续）。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help=_("每批处理的文章数（默认 500）。")
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

    def handle(self, *args, batch_size, start_after, dry_run, verbosity, **options):
        if batch_size < 1 or batch_size > 10_000:
            raise CommandError(_("--batch-size 应在 1 到 10000 之间。"))
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
        progress = tqdm(
            total=remaining.count(),
            unit=str(_("篇")),
            disable=verbosity == 0 or not sys.stderr.isatty(),
        )
        written, last_id, started = 0, start_after, time.monotonic()
        try:
            while True:
                ids = list(
                    Article.objects.filter(pk__gt=last_id)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not ids:
                    break
                with transaction.atomic():
                    written += refresh_documents(ids)
                last_id = ids[-1]
                progress.update(len(ids))
                if verbosity >= 2:
                    self.stdout.write(_("已处理至 id %(id)d") % {"id": last_id})
        except KeyboardInterrupt:
            raise CommandError(
                _("已中断；用 --start-after %(id)d 继续。") % {"id": last_id}
            ) from None
        finally:
            progress.close()
        if verbosity:
            seconds = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(
                    _("已写入 %(count)d 篇文章的检索索引，用时 %(seconds).1f 秒。")
                    % {"count": written, "seconds": seconds}
                )
            )
