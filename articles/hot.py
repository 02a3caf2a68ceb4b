"""The hot-picks sidebars' data: 热门导读 (hot reads) and 热点推荐 (recommended).

Ranking is too dear for every page (0.1-0.3 s of SQL at a million articles), so
`refresh()` ranks both lists at once and stores them as `HotPick` rows; a page reads them
back in one indexed query joined to `Article.objects.listed()`, so an article retracted,
unpublished or expired since the ranking drops out at once. The rows are re-ranked by
`flush_counters` after each flush, and on demand by the first page that finds them older
than REFRESH_SECONDS (one process at a time; the others keep showing the stored lists).
A content change (`caching.bump_content_version`) marks them stale, so a new publication
or an editor's pick shows on the next page. With a real cache the stored lists are also
kept for REFRESH_SECONDS under a key carrying `content_version()`.

Both lists keep more candidates than a sidebar shows, so a page can drop the articles it
already shows.

Hot reads are ranked from the read counter's buckets (articles/counters) with an
exponential decay by age: per-hour buckets with Redis, `DailyReads` rows (ranked in one SQL
query) with the database counter. Either way only filtered reads count: bots, repeat reads
within 30 minutes and rate-limited clients never reach a bucket.
"""

import contextlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import DatabaseError, connections, transaction
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
from articles.models import Article, DailyReads, HotPick
from articles.prepared import PreparedQuery
from articles.text import china_time
from newsportal.db_router import primary_alias

HALF_LIFE_HOURS = 6
HOT_WINDOW_DAYS = 7
# Hourly buckets are looked at this far back (Redis keeps them for three days).
HOT_WINDOW_HOURS = 48
LIKED_WINDOW = timedelta(days=3)
CANDIDATES = 30
# Stored lists older than this are ranked again; with the cache's own REFRESH_SECONDS on
# top, a new read or like moves the lists within a minute.
REFRESH_SECONDS = 30
LISTS = (HotPick.Kind.READS, HotPick.Kind.RECOMMENDED)
# Any PostgreSQL advisory lock number unique to this job: one refresher at a time.
REFRESH_LOCK = 0x6E70686F74
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


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


def refresh(now=None):
    """Rank both lists and store them; {kind: articles}, or None when another process is
    storing its own ranking right now."""
    now = now or timezone.now()
    # Explicitly on the primary: a reader's request that refreshes must not count as the
    # reader's own write (the replica router would pin them to the primary).
    alias = primary_alias()
    with transaction.atomic(using=alias):
        if not _try_lock(alias):
            return None
        ranked = {
            HotPick.Kind.READS: rank_hot_reads(now, CANDIDATES),
            HotPick.Kind.RECOMMENDED: rank_recommended(now, CANDIDATES),
        }
        rows = [HotPick(kind=HotPick.Kind.MARKER, position=0, ranked_at=now)]
        for kind, articles in ranked.items():
            rows += [
                HotPick(kind=kind, position=place, article_id=article.pk, ranked_at=now)
                for place, article in enumerate(articles)
            ]
        HotPick.objects.using(alias).all().delete()
        HotPick.objects.using(alias).bulk_create(rows)
    return ranked


def _try_lock(alias):
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return True  # SQLite runs one write transaction at a time anyway
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [REFRESH_LOCK])
        return cursor.fetchone()[0]


def mark_stale():
    """Have the next page re-rank the lists (content changed: a publication, a pick)."""
    alias = primary_alias()
    # Should it fail, the lists still go stale on their own within REFRESH_SECONDS; the
    # savepoint keeps a caller's open transaction usable.
    with contextlib.suppress(DatabaseError), transaction.atomic(using=alias):
        HotPick.objects.using(alias).update(ranked_at=LONG_AGO)


def _stored_query(now):
    return (
        Article.objects.listed(now)
        .filter(hot_picks__kind__in=LISTS)
        .annotate(pick_kind=F("hot_picks__kind"), ranked_at=F("hot_picks__ranked_at"))
        .order_by("hot_picks__kind", "hot_picks__position")
        .values_list("id", "slug", "title", "publish_at", "pick_kind", "ranked_at")
    )


# Every page without a cached copy runs it: compiled once per process.
_STORED = PreparedQuery(
    _stored_query, Article, ("id", "slug", "title", "publish_at"), ("pick_kind", "ranked_at")
)


def stored(now=None):
    """(ranked_at, {kind: listed articles}) as last stored; ranked_at None if never."""
    found = {kind: [] for kind in LISTS}
    ranked_at = None
    for article in _STORED(now=now or timezone.now()):
        found[article.pick_kind].append(article)
        ranked_at = article.ranked_at
    if ranked_at is None:
        # Nothing listed to show: the marker row still says when that was ranked.
        marker = HotPick.objects.filter(kind=HotPick.Kind.MARKER)
        ranked_at = marker.values_list("ranked_at", flat=True).first()
    return ranked_at, found


def current_lists():
    """{kind: articles}: the stored lists, ranked again first when they are stale."""
    now = timezone.now()
    ranked_at, found = stored(now)
    if ranked_at is None or now - ranked_at > timedelta(seconds=REFRESH_SECONDS):
        found = refresh(now) or found
    return found


def lists():
    """{kind: articles} for this minute and content version, through the cache."""
    key = versioned_key("hot")
    found = cache.get(key)
    if found is None:
        found = current_lists()
        cache.set(key, found, REFRESH_SECONDS)
    return found


def hot_reads(limit=10):
    """热门导读: up to `limit` (at most CANDIDATES) articles, hottest first."""
    return lists()[HotPick.Kind.READS][:limit]


def recommended(limit=10):
    """热点推荐: up to `limit` (at most CANDIDATES) articles."""
    return lists()[HotPick.Kind.RECOMMENDED][:limit]
