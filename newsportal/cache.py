"""A Redis cache that treats an unreachable Redis as an empty cache instead of an error.

Pages are cached to save the database work, not because they need the cache: when
Redis goes away every read becomes a miss (and every write a no-op), the database
serves the pages, and the first call after a short back-off finds Redis again without
a restart. The back-off keeps a dead Redis from costing a connect timeout per call.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)


def _tolerant(fallback):
    """Run the cache call unless Redis is known to be down; answer `fallback` instead."""

    def decorator(method):
        @functools.wraps(method)
        def wrapped(self, *args, **kwargs):
            if self.is_down():
                return fallback(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except OUTAGE_ERRORS as exc:
                self._mark_down(exc)
                return fallback(*args, **kwargs)
            self._mark_up()
            return result

        return wrapped

    return decorator


def _none(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _missing(key, *args, **kwargs):
    # incr (and decr, built on it) raise ValueError for a missing key; callers handle that.
    raise ValueError(f"Key '{key}' not found (cache unavailable).")


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one redis-py client per connection pool.

    Django builds a new `redis.Redis` for every cache call, and redis-py fills ~170
    response callbacks into each one: 0.14 ms a call, more than the round trip to Redis.
    A client is safe to share between threads (each command borrows a connection from
    the pool), and redis-py pools notice a fork and start afresh in the child.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS", {}))}
        # Seconds to skip Redis after a failure before trying it again.
        self.retry_interval = float(params["OPTIONS"].pop("retry_interval", 2.0))
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._down_since = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def is_down(self):
        return self._down_since is not None and time.monotonic() < self._retry_at

    def _mark_down(self, exc):
        with self._lock:
            now = time.monotonic()
            if self._down_since is None:
                self._down_since = now
                logger.error("cache unavailable, serving without it: %s", exc)
            self._retry_at = now + self.retry_interval

    def _mark_up(self):
        if self._down_since is not None:
            with self._lock:
                if self._down_since is not None:
                    outage = time.monotonic() - self._down_since
                    self._down_since = None
                    logger.warning("cache reachable again after %.1f s", outage)

    def ping(self):
        """True when Redis answers now, back-off or not (used by /readyz); never raises.

        An answer ends this process's back-off at once: a readiness probe that found Redis
        back would otherwise still see the cache skipped until the retry time passed.
        """
        try:
            answered = bool(self._cache.get_client(write=True).ping())
        except OUTAGE_ERRORS:
            return False
        if answered:
            self._mark_up()
        return answered

    add = _tolerant(_false)(RedisCache.add)
    get = _tolerant(lambda key, default=None, version=None: default)(RedisCache.get)
    set = _tolerant(_none)(RedisCache.set)
    touch = _tolerant(_false)(RedisCache.touch)
    delete = _tolerant(_false)(RedisCache.delete)
    get_many = _tolerant(lambda keys, version=None: {})(RedisCache.get_many)
    has_key = _tolerant(_false)(RedisCache.has_key)
    incr = _tolerant(_missing)(RedisCache.incr)
    set_many = _tolerant(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    delete_many = _tolerant(_none)(RedisCache.delete_many)
    clear = _tolerant(_false)(RedisCache.clear)
