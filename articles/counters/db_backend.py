"""The database counter: each counted read is two atomic F() updates, nothing pending.

Used when there is no Redis. Fine for a small site; at thousands of reads a second on
one story the article row becomes the bottleneck, which is what the Redis counter is for.
"""

import time

from django.core.cache import cache
from django.db import transaction

from articles import ratelimit
from articles.counters.base import (
    DEDUPE_SECONDS,
    RateLimited,
    day_start,
    dedupe_suffix,
    local_day,
)
from articles.counters.upsert import add_one_read
from articles.models import DailyReads


class DatabaseCounter:
    name = "database"
    bucket_seconds = 24 * 3600

    def __init__(self, prefix="cnt"):
        self.prefix = prefix

    def record_read(self, article_id, visitor=None, now=None, rate_limit=None):
        """Count one read unless this visitor was counted for it within the dedupe window.

        `rate_limit` = (client key, limit, window) is checked first, in the cache.
        """
        now = now if now is not None else time.time()
        if rate_limit is not None:
            client, limit, window = rate_limit
            allowed, retry_after = ratelimit.hit("beacon", client, limit, window)
            if not allowed:
                raise RateLimited(retry_after)
        if visitor and not cache.add(
            f"{self.prefix}:s:{dedupe_suffix(article_id, visitor)}", 1, DEDUPE_SECONDS
        ):
            return False
        with transaction.atomic():
            return add_one_read(int(article_id), local_day(now))

    def pending(self, article_ids):
        """Nothing is ever pending: every read is already in Article.view_count."""
        return {}

    def read_buckets(self, since, until=None):
        """[(article_id, day_start, count)] for the days from `since`'s day on."""
        rows = DailyReads.objects.filter(day__gte=local_day(since.timestamp()))
        if until is not None:
            rows = rows.filter(day__lte=local_day(until.timestamp()))
        return [
            (article_id, day_start(day), count)
            for article_id, day, count in rows.values_list("article_id", "day", "count")
        ]
