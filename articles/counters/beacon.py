"""One read beacon, decided: page token, bot filter, per-address rate limit, dedupe, count.

Shared by the Django view (articles/views/engagement.py), the WSGI fast path
(articles/counters/wsgi.py) and the asynchronous beacon service (articles/counters/service.py),
so all of them count exactly the same way. `request` only needs `META` and `COOKIES`.
"""

import base64
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError

from articles import ratelimit
from articles.counters import CounterUnavailable, RateLimited, counting_enabled, get_counter
from articles.counters.tokens import check_page_token
from articles.visitors import is_bot, visitor_key


@dataclass(frozen=True)
class Outcome:
    status: int  # 204 (or the pixel's 200), 403, 429, or 503 when no store can count
    counted: bool = False
    retry_after: int = 0


# The <noscript> fallback answers a 1x1 transparent GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
REFUSED = Outcome(403)
IGNORED = Outcome(204)
UNAVAILABLE = Outcome(503, retry_after=60)


@dataclass(frozen=True)
class Read:
    """A beacon that passed the checks: the read to record, and how to rate-limit it."""

    article_id: int
    visitor: str
    now: float
    rate_limit: tuple | None  # (client key, limit, window) or None when limits are off


def decide(request, article_id, token):
    """The checks before counting: an Outcome when the beacon counts nothing, else a Read.

    Shared with the asynchronous beacon service (articles/counters/service.py), which then
    records the Read itself.
    """
    if not check_page_token(article_id, token):
        return REFUSED
    if not counting_enabled() or is_bot(request):
        return IGNORED  # a success, so crawlers do not retry
    limit = None
    if getattr(settings, "RATE_LIMITS_ENABLED", True):
        # Checked by the counter in the same atomic call that counts (one Redis round trip).
        limit = (ratelimit.client_key(request), *ratelimit.limits_for("beacon", 120, 60))
    # The rate-limit module's clock, so every limited endpoint answers the same Retry-After.
    return Read(int(article_id), visitor_key(request), ratelimit.time.time(), limit)


def count_beacon(request, article_id, token):
    """Count one read of `article_id` if the beacon deserves it."""
    read = decide(request, article_id, token)
    return read if isinstance(read, Outcome) else record(read)


def record(read):
    """Record a decided Read with the configured counter (blocking)."""
    try:
        counted = get_counter().record_read(
            read.article_id, read.visitor, now=read.now, rate_limit=read.rate_limit
        )
    except RateLimited as refused:
        return too_many(refused)
    except CounterUnavailable:
        return count_in_database(read.article_id, read.now)
    return Outcome(204, counted=counted)


def too_many(refused):
    return Outcome(429, retry_after=max(1, int(refused.retry_after)))


def count_in_database(article_id, now):
    """Redis is down: count straight into the database rather than lose the read.

    Dedupe and rate limits live in Redis too, so for the length of the outage every
    read counts; a brief over-count beats losing a story's reads.
    """
    from articles.counters.db_backend import DatabaseCounter

    try:
        DatabaseCounter().record_read(article_id, None, now=now)
    except (CounterUnavailable, DatabaseError):
        return UNAVAILABLE
    return Outcome(204, counted=True)
