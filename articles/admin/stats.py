"""Read statistics for editors: an article's last 30 days and the newsroom's day so far.

Numbers come from the same filtered counts readers see (bots, repeats and rate-limited
clients excluded): flushed DailyReads plus what is still pending in the counter.
"""

from collections import defaultdict
from datetime import timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.admin.charts import bar_chart
from articles.counters import CounterUnavailable, get_counter
from articles.counters.base import day_start
from articles.models import Article, DailyReads

CHART_DAYS = 30


def _pending(article_ids):
    try:
        return get_counter().pending(article_ids)
    except CounterUnavailable:
        return {}


def daily_reads(article, days=CHART_DAYS, today=None):
    """[(day, reads)] for the last `days` days, today's including reads not yet flushed."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    counts = dict(
        DailyReads.objects.filter(article=article, day__gte=first).values_list("day", "count")
    )
    counts[today] = counts.get(today, 0) + _pending([article.pk]).get(article.pk, 0)
    return [
        (first + timedelta(days=n), counts.get(first + timedelta(days=n), 0)) for n in range(days)
    ]


class ReadsChartMixin:
    """For ArticleAdmin: `reads_chart` as a read-only field on the change page."""

    @admin.display(description=_("近30天阅读"))
    def reads_chart(self, obj):
        if not obj or not obj.pk:
            return _("发布后显示。")
        points = [(day.strftime("%-m/%-d"), reads) for day, reads in daily_reads(obj)]
        return bar_chart(points, _("近30天每日阅读"), label_every=5)


def reads_today(limit=20, now=None):
    """[(article, reads)] for today so far, most read first."""
    now = now or timezone.now()
    since = day_start(timezone.localdate(now))
    try:
        buckets = get_counter().read_buckets(since, now)
    except CounterUnavailable:
        buckets = [
            (pk, since, n)
            for pk, n in DailyReads.objects.filter(day=since.date()).values_list(
                "article_id", "count"
            )
        ]
    totals = defaultdict(int)
    for article_id, _start, count in buckets:
        totals[article_id] += count
    top = sorted(totals, key=totals.get, reverse=True)[:limit]
    found = Article.objects.only("pk", "title", "slug", "status").in_bulk(top)
    return [(found[pk], totals[pk]) for pk in top if pk in found]


def reads_by_hour(hours=24, now=None):
    """[(hour start, reads)] for the last `hours` hours, or None without hourly buckets."""
    counter = get_counter()
    if counter.bucket_seconds > 3600:
        return None
    now = now or timezone.now()
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    try:
        buckets = counter.read_buckets(first, now)
    except CounterUnavailable:
        return None
    totals = defaultdict(int)
    for _pk, start, count in buckets:
        totals[start] += count
    return [
        (first + timedelta(hours=n), totals.get(first + timedelta(hours=n), 0))
        for n in range(hours)
    ]


def reads_by_hour_chart(series):
    hour = str(_("%H时"))  # strftime needs a str, not a lazy string
    points = [(timezone.localtime(start).strftime(hour), reads) for start, reads in series]
    return bar_chart(points, _("最近24小时每小时阅读"), label_every=3)
