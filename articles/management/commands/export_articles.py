"""`manage.py export_articles`: the archive as NDJSON, one article a line.

Each line carries the article's text, bylines, editor, tags, region, photos (by their stored
file name), status, times and corrections; `import_articles` reads it back into the same
archive. Filters select by date (publish time, or creation time for unpublished articles),
region (a province includes its cities) and status. Output goes to stdout or, written to a
temporary file first and then renamed, to --output.
"""

import os
import sys
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from tqdm import tqdm

from articles.importers.records import article_record, dumps, export_queryset
from articles.models import Article, Region


def moment(value, *, end=False):
    """A date (its start, or with end=True the start of the next day) or a datetime."""
    day = parse_date(value) if len(value) == 10 else None
    if day is not None:
        start = timezone.make_aware(datetime.combine(day, time.min))
        return start + timedelta(days=1) if end else start
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(value)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "把文章导出为 NDJSON（每行一篇，含署名、标签、地区、图片引用、状态和时间），"
            "可按日期、地区和状态筛选；import_articles 可原样导回。"
        )

    def add_arguments(self, parser):
        parser.add_argument("--since", help=_("起始日期或时间（含），如 2026-01-01"))
        parser.add_argument("--until", help=_("截止日期（含当天）或时间（不含）"))
        parser.add_argument("--region", help=_("地区网址名；省份包含其下辖地市"))
        parser.add_argument(
            "--status",
            action="append",
            choices=Article.Status.values,
            help=_("只导出这些状态（可重复）"),
        )
        parser.add_argument("--output", "-o", type=Path, help=_("写入此文件（默认：标准输出）"))

    def handle(self, *args, since, until, region, status, output, verbosity, **options):
        articles = self.select(since, until, region, status)
        total = articles.count()
        progress = tqdm(
            total=total,
            unit=_("篇"),
            disable=verbosity == 0 or not self.stderr.isatty(),
            file=sys.stderr,
        )
        lines = (dumps(article_record(a)) + "\n" for a in articles.iterator(chunk_size=200))
        with progress:
            if output is None:
                for line in lines:
                    self.stdout.write(line, ending="")
                    progress.update(1)
            else:
                self._write_file(output, lines, progress)
        if verbosity >= 1:
            # With NDJSON on stdout, the summary goes to stderr so the stream stays clean.
            stream = self.stderr if output is None else self.stdout
            stream.write(
                self.style.SUCCESS(
                    _("已导出 %(count)d 篇文章%(where)s。")
                    % {"count": total, "where": f" → {output}" if output else ""}
                )
            )

    def select(self, since, until, region, status):
        articles = export_queryset(Article.objects.all()).annotate(
            export_time=Coalesce("publish_at", "created_at")
        )
        try:
            if since:
                articles = articles.filter(export_time__gte=moment(since))
            if until:
                articles = articles.filter(export_time__lt=moment(until, end=True))
        except ValueError as exc:
            raise CommandError(_("无效的日期或时间：%(value)s") % {"value": exc}) from exc
        if region:
            place = Region.objects.filter(slug=region).first()
            if place is None:
                raise CommandError(_("没有网址名为 %(slug)s 的地区。") % {"slug": region})
            articles = articles.filter(Q(dateline_region=place) | Q(province=place))
        if status:
            articles = articles.filter(status__in=status)
        return articles.order_by("created_at", "id")

    @staticmethod
    def _write_file(output, lines, progress):
        directory = output.resolve().parent
        if not directory.is_dir():
            raise CommandError(_("目录不存在：%(path)s") % {"path": directory})
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".export-", suffix=".ndjson")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                for line in lines:
                    stream.write(line)
                    progress.update(1)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
