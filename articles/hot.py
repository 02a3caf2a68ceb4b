"""The hot-picks sidebars' data: 热门导读 (hot reads) and 热点推荐 (recommended).

Each list is one query over listed articles, cached for a minute under a key that carries
`content_version()`, so a publish, retraction or recommendation shows at once. Both cache
more candidates than a sidebar shows, so a page can drop the articles it already shows.

Hot reads are ranked from the read counter's buckets (articles/counters) with an
exponential decay by age: per-hour buckets with Redis, `DailyReads` rows (ranked in one SQL
query) with the database counter. Either way only filtered reads count: bots, repeat reads
within 30 minutes and rate-limited clients never reach a bucket.
"""

from collections import defaultdict
from datetime import timedelta

from django.core.cache import cache
from django.db.models import (
    Case,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from articles.caching import versioned_key
from articles.counters import CounterUnavailable, get_counter
from articles.models import Article, DailyReads
from articles.text import china_time

HALF_LIFE_HOURS = 6
HOT_WINDOW_DAYS = 7
# Hourly buckets are looked at this far back (Redis keeps them for three days).
HOT_WINDOW_HOURS = 48
LIKED_WINDOW = timedelta(days=3)
CANDIDATES = 30
CACHE_SECONDS = 60


def decay(age_hours):
    """Weight of a read `age_hours` old: it halves every HALF_LIFE_HOURS."""
    return 0.5 ** (max(age_hours, 0.0) / HALF_LIFE_HOURS)


def day_weights(now, days=HOT_WINDOW_DAYS):
    """{day: weight} for the last `days` Beijing-time days, each weighed at its middle.

    Today is only partly over, so its middle lies halfway between midnight and now.
    """
    local = china_time(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    hours_today = (local - midnight).total_seconds() / 3600
    weights = {local.date(): decay(hours_today / 2)}
    for back in range(1, days):
        weights[local.date() - timedelta(days=back)] = decay(hours_today + 24 * back - 12)
    return weights


def rank_hot_reads(now, limit):
    """Hot reads from the counter's buckets: hourly ones in Python, daily ones in SQL."""
    counter = get_counter()
    if counter.bucket_seconds < 24 * 3600:
        try:
            ranked = rank_hourly_reads(counter, now, limit)
        except CounterUnavailable:
            ranked = None
        # Redis down or emptied (no hourly buckets): the flushed daily counts still rank.
        if ranked:
            return ranked
    return rank_daily_reads(now, limit)


def rank_hourly_reads(counter, now, limit):
    """Listed articles by reads decayed from each hour's middle; last-24-hour reads first."""
    heat = defaultdict(float)
    recent = set()
    last_day = now - timedelta(hours=24)
    half = timedelta(seconds=counter.bucket_seconds / 2)
    for article_id, start, count in counter.read_buckets(
        now - timedelta(hours=HOT_WINDOW_HOURS), now
    ):
        middle = min(start + half, now)
        heat[article_id] += count * decay((now - middle).total_seconds() / 3600)
        if start + 2 * half > last_day:
            recent.add(article_id)
    ranked = sorted(heat, key=lambda pk: (pk in recent, heat[pk]), reverse=True)
    # Some of the hottest may be unlisted (retracted, expired): fetch a margin, keep order.
    shortlist = ranked[: limit * 2]
    found = Article.objects.listed(now).for_cards().in_bulk(shortlist)
    return [found[pk] for pk in shortlist if pk in found][:limit]


def rank_daily_reads(now, limit):
    """Listed articles read in the last 24 hours by decayed reads, then older ones (to 7 days).

    The second tier only fills the list when the last day was quiet. Still one query, but
    the reads are ranked on their own narrow rows and only the top few articles become
    cards: grouping the wide card rows by article took 0.3-0.6 s at a million articles.
    """
    weights = day_weights(now)
    last_day = china_time(now - timedelta(hours=24)).date()
    heat = Sum(
        Case(
            *(
                # float8, not numeric: numeric multiplication was half the cost.
                When(day=day, then=Cast("count", FloatField()) * Value(weight, FloatField()))
                for day, weight in weights.items()
            ),
            default=Value(0.0),
            output_field=FloatField(),
        )
    )
    recent = Max(Case(When(day__gte=last_day, then=Value(1)), default=Value(0)))
    reads = DailyReads.objects.filter(day__gte=min(weights), count__gt=0)
    ranked = reads.values("article_id").annotate(recent=recent, heat=heat)
    # A margin over `limit`: some of the most read may be unlisted (retracted, expired).
    top = ranked.order_by("-recent", "-heat", "-article_id").values("article_id")[: limit * 2]
    own = ranked.filter(article_id=OuterRef("pk"))
    return list(
        Article.objects.listed(now)
        .for_cards()
        .filter(pk__in=top)
        .annotate(recent=Subquery(own.values("recent")), heat=Subquery(own.values("heat")))
        .order_by("-recent", "-heat", "-publish_at", "-id")[:limit]
    )


def rank_recommended(now, limit):
    """Editors' picks until they expire (newest first), then the most liked of 3 days."""
    pinned = Q(recommended_until__gt=now)
    return list(
        Article.objects.listed(now)
        .for_cards()
        .filter(pinned | Q(publish_at__gte=now - LIKED_WINDOW, like_count__gt=0))
        .annotate(
            pinned=Case(When(pinned, then=Value(1)), default=Value(0)),
            liked=Case(
                When(pinned, then=Value(0)), default=F("like_count"), output_field=IntegerField()
            ),
        )
        .order_by("-pinned", "-liked", "-publish_at", "-id")[:limit]
    )


def _cached(name, rank):
    # Per minute as well as per version: a scheduled article shows within the minute.
    key = versioned_key(f"hot:{name}")
    articles = cache.get(key)
    if articles is None:
        articles = rank(timezone.now(), CANDIDATES)
        cache.set(key, articles, CACHE_SECONDS)
    return articles


def hot_reads(limit=10):
    """热门导读: up to `limit` (at most CANDIDATES) articles, hottest first."""
    return _cached("reads", rank_hot_reads)[:limit]


def recommended(limit=10):
    """热点推荐: up to `limit` (at most CANDIDATES) articles."""
    return _cached("recommended", rank_recommended)[:limit]
