"""`manage.py newsroom_stats`: the newsroom at a glance, as plain-text tables.

Articles by status (live, scheduled, retracted and expired counted apart), reads today,
the most-read articles of the last days and the reports waiting for a decision.
"""

import unicodedata
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.counters import CounterUnavailable, get_counter
from articles.counters.base import day_start
from articles.models import Article, DailyReads, Report

TITLE_COLUMNS = 60


def width(text):
    """Columns a string takes in a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def fit(text, columns):
    """`text` cut to `columns` terminal columns, ending in "…" when cut."""
    text = str(text)
    if width(text) <= columns:
        return text
    out, used = [], 0
    for ch in text:
        if used + width(ch) > columns - 1:
            break
        out.append(ch)
        used += width(ch)
    return "".join(out) + "…"


def table(headers, rows):
    """Rows aligned in columns; numbers right-aligned, text left-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        padded = []
        for i, cell in enumerate(row):
            gap = " " * (widths[i] - width(cell))
            padded.append(gap + cell if numeric[i] and index else cell + gap)
        lines.append("  ".join(padded).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    @property
    def help(self):
        return _("编辑部统计：各状态文章数、今日阅读、近期热门文章和待处理举报。")

    def add_arguments(self, parser):
        parser.add_argument("--top", type=int, default=10, help=_("热门文章列出几篇（默认 10）"))
        parser.add_argument("--days", type=int, default=7, help=_("热门文章统计最近几天（默认 7）"))

    def handle(self, *args, top, days, verbosity, **options):
        now = timezone.now()
        today = timezone.localdate(now)
        sections = [
            (_("文章"), table([_("状态"), _("篇数")], self.status_rows(now))),
            (_("阅读"), _("今日阅读：%(count)s") % {"count": f"{self.reads_today(today):,}"}),
            (
                _("最近 %(days)d 天阅读最多") % {"days": days},
                self.top_articles(today, max(days, 1), max(top, 0)),
            ),
            (_("待处理举报"), self.open_reports()),
        ]
        for title, body in sections:
            self.stdout.write(self.style.MIGRATE_HEADING(str(title)))
            self.stdout.write(body + "\n")

    @staticmethod
    def status_rows(now):
        Status = Article.Status
        live = Q(status=Status.PUBLISHED, publish_at__lte=now)
        counts = Article.objects.aggregate(
            draft=Count("pk", filter=Q(status=Status.DRAFT)),
            review=Count("pk", filter=Q(status=Status.REVIEW)),
            listed=Count(
                "pk",
                filter=live
                & Q(retracted_at__isnull=True)
                & (Q(expires_at__isnull=True) | Q(expires_at__gt=now)),
            ),
            scheduled=Count("pk", filter=Q(status=Status.PUBLISHED, publish_at__gt=now)),
            retracted=Count("pk", filter=live & Q(retracted_at__isnull=False)),
            expired=Count("pk", filter=live & Q(expires_at__lte=now)),
            unpublished=Count("pk", filter=Q(status=Status.UNPUBLISHED)),
            total=Count("pk"),
        )
        labels = [
            ("draft", _("草稿")),
            ("review", _("待审")),
            ("listed", _("在线")),
            ("scheduled", _("定时发布")),
            ("retracted", _("已撤稿（保留网址）")),
            ("expired", _("已过下线时间")),
            ("unpublished", _("已撤下")),
            ("total", _("合计")),
        ]
        return [(label, counts[key]) for key, label in labels]

    @staticmethod
    def reads_today(today):
        stored = DailyReads.objects.filter(day=today).aggregate(n=Sum("count"))["n"] or 0
        try:
            counted = sum(row[2] for row in get_counter().read_buckets(day_start(today)))
        except CounterUnavailable:
            counted = 0
        # The counter's buckets hold unflushed reads; DailyReads may hold rows written
        # directly (imports, the demo). Either can be the larger, neither double-counts.
        return max(stored, counted)

    @staticmethod
    def top_articles(today, days, top):
        since = today - timedelta(days=days - 1)
        rows = (
            DailyReads.objects.filter(day__gte=since)
            .values("article_id", "article__title", "article__status")
            .annotate(reads=Sum("count"))
            .order_by("-reads", "article_id")[:top]
        )
        labels = dict(Article.Status.choices)
        data = [
            (
                rank,
                row["reads"],
                str(labels.get(row["article__status"], "")),
                fit(row["article__title"], TITLE_COLUMNS),
            )
            for rank, row in enumerate(rows, start=1)
        ]
        if not data:
            return _("（没有阅读记录）")
        return table(["#", _("阅读"), _("状态"), _("标题")], data)

    @staticmethod
    def open_reports():
        reports = Report.objects.filter(status=Report.Status.OPEN)
        totals = reports.aggregate(total=Count("pk"), articles=Count("article", distinct=True))
        if not totals["total"]:
            return _("（没有待处理的举报）")
        rows = (
            reports.values("article_id", "article__title")
            .annotate(reports=Count("pk"))
            .order_by("-reports", "article_id")[:10]
        )
        data = [(row["reports"], fit(row["article__title"], TITLE_COLUMNS)) for row in rows]
        summary = _("共 %(total)d 条，涉及 %(articles)d 篇文章") % totals
        return summary + "\n" + table([_("举报"), _("标题")], data)
