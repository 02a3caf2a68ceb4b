"""Read counting behind one small interface, with two backends.

- `RedisCounter` when settings.REDIS_URL is set: one atomic script per read (dedupe, pending
  count, per-hour bucket); `manage.py flush_counters` moves pending counts into PostgreSQL.
- `DatabaseCounter` otherwise: atomic F() updates into DailyReads and Article.view_count.

Both offer record_read(article_id, visitor=None), pending(article_ids) and
read_buckets(since) -> [(article_id, bucket_start, count)]: hourly buckets on Redis, daily
on the database. A reader is shown `article.view_count + pending`, so counts lag by no more
than the page cache (a minute), however rarely the flush runs.
"""

import threading

from django.conf import settings

from articles.counters.base import DEDUPE_SECONDS, CounterUnavailable, RateLimited

__all__ = [
    "DEDUPE_SECONDS",
    "CounterUnavailable",
    "RateLimited",
    "counting_enabled",
    "get_counter",
]

_lock = threading.Lock()
_counters = {}


def counter_prefix():
    # Under the cache's prefix, so test runs (which use their own prefix) stay apart.
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'np')}:cnt"


def counting_enabled():
    return getattr(settings, "READ_COUNTING", True)


def get_counter():
    """The configured backend; one instance (and connection pool) per configuration."""
    redis_url = getattr(settings, "REDIS_URL", "")
    config = (redis_url, counter_prefix())
    counter = _counters.get(config)
    if counter is None:
        with _lock:
            counter = _counters.get(config)
            if counter is None:
                if redis_url:
                    from articles.counters.redis_backend import RedisCounter

                    counter = RedisCounter(redis_url, prefix=config[1])
                else:
                    from articles.counters.db_backend import DatabaseCounter

                    counter = DatabaseCounter(prefix=config[1])
                _counters[config] = counter
    return counter
