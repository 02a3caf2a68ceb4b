"""The Redis counter: one atomic script per read, flushed to the database in batches.

Keys, under `<prefix>:`
- `pend`     hash article → reads not yet in the database (what pages add to view_count)
- `pendday`  hash "article|YYYY-MM-DD" → the same reads by newsroom day (what a flush writes)
- `batch`, `batchday`, `batchid`  the pending hashes claimed by a running flush, and its id
- `h:<hour>` hash article → reads in that UTC hour, kept three days (hot picks, dashboard)
- `s:<article>:<visitor>` the 30-minute "already counted" marker
"""

import hashlib
import time
import uuid

import redis

from articles.counters.base import (
    DEDUPE_SECONDS,
    HOUR_BUCKET_TTL,
    CounterUnavailable,
    RateLimited,
    dedupe_suffix,
    hour_start,
    local_day,
)

# KEYS: rate-limit window, seen marker, pend, pendday, hour bucket.
# ARGV: limit (0: none), window seconds, article id, "article|day", dedupe seconds (0: none),
# bucket ttl. Returns -1 when rate limited, 0 for a repeat read, 1 for a counted read.
RECORD = """
if tonumber(ARGV[1]) > 0 then
  local hits = redis.call('INCR', KEYS[1])
  if hits == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2] + 1) end
  if hits > tonumber(ARGV[1]) then return -1 end
end
if tonumber(ARGV[5]) > 0 then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[5]) then return 0 end
end
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
redis.call('HINCRBY', KEYS[4], ARGV[4], 1)
redis.call('HINCRBY', KEYS[5], ARGV[3], 1)
redis.call('EXPIRE', KEYS[5], ARGV[6])
return 1
"""

RECORD_SHA = hashlib.sha1(RECORD.encode()).hexdigest()  # noqa: S324 - Redis names scripts so

# KEYS: pend, pendday, batch, batchday, batchid. ARGV: a new flush id.
# An unfinished batch is resumed rather than replaced, so a crashed flush is finished first.
CLAIM = """
local current = redis.call('GET', KEYS[5])
if current then return current end
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
redis.call('RENAME', KEYS[2], KEYS[4])
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('RENAME', KEYS[1], KEYS[3]) end
redis.call('SET', KEYS[5], ARGV[1])
return ARGV[1]
"""

# KEYS: batch, batchday, batchid. ARGV: the flush id that was applied.
RELEASE = """
if redis.call('GET', KEYS[3]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return 1
end
return 0
"""


def read_result(outcome, window_end, now):
    """What RECORD answered: True for a counted read, False for a repeat; RateLimited if -1."""
    if outcome == -1:
        raise RateLimited(window_end - int(now))
    return outcome == 1


class RedisCounter:
    name = "redis"
    bucket_seconds = 3600

    def __init__(self, url, prefix="cnt"):
        self.redis = redis.Redis.from_url(
            url, socket_connect_timeout=0.5, socket_timeout=2, health_check_interval=30
        )
        self.prefix = prefix
        self.keys = {
            name: f"{prefix}:{name}" for name in ("pend", "pendday", "batch", "batchday", "batchid")
        }
        self._record = self.redis.register_script(RECORD)
        self._claim = self.redis.register_script(CLAIM)
        self._release = self.redis.register_script(RELEASE)

    def hour_key(self, hour_index):
        return f"{self.prefix}:h:{hour_index}"

    def record_read(self, article_id, visitor=None, now=None, rate_limit=None):
        """Count one read unless this visitor was counted for it within the dedupe window.

        `rate_limit` = (client key, limit, window) checks a fixed-window limit in the same
        atomic call (one round trip per beacon); a refused read raises RateLimited.
        """
        now = now if now is not None else time.time()
        keys, args, window_end = self.read_call(article_id, visitor, now, rate_limit)
        try:
            outcome = self._record(keys=keys, args=args)
        except redis.RedisError as exc:
            raise CounterUnavailable(str(exc)) from exc
        return read_result(outcome, window_end, now)

    def read_call(self, article_id, visitor, now, rate_limit):
        """(keys, args, end of the rate-limit window) of the RECORD script for one read.

        The one place that builds them, shared with the asynchronous beacon service
        (articles/counters/service.py), so both count into the same keys.
        """
        article_id = int(article_id)
        client, limit, window = rate_limit or ("", 0, 60)
        window_start = int(now) - int(now) % window
        keys = [
            f"{self.prefix}:rl:{client}:{window_start}",
            f"{self.prefix}:s:{dedupe_suffix(article_id, visitor or '')}",
            self.keys["pend"],
            self.keys["pendday"],
            self.hour_key(int(now // 3600)),
        ]
        args = [
            limit,
            window,
            article_id,
            f"{article_id}|{local_day(now).isoformat()}",
            DEDUPE_SECONDS if visitor else 0,
            HOUR_BUCKET_TTL,
        ]
        return keys, args, window_start + window

    def pending(self, article_ids):
        """{article_id: reads not yet in view_count}, including a batch being flushed."""
        ids = [int(pk) for pk in article_ids]
        if not ids:
            return {}
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                pipe.hmget(self.keys["pend"], ids)
                pipe.hmget(self.keys["batch"], ids)
                waiting, flushing = pipe.execute()
        except redis.RedisError as exc:
            raise CounterUnavailable(str(exc)) from exc
        result = {}
        for pk, a, b in zip(ids, waiting, flushing, strict=True):
            total = int(a or 0) + int(b or 0)
            if total:
                result[pk] = total
        return result

    def read_buckets(self, since, until=None):
        """[(article_id, hour_start, count)] for the hours from `since` to `until` (now)."""
        first = int(since.timestamp() // 3600)
        last = int((until.timestamp() if until is not None else time.time()) // 3600)
        hours = list(range(first, last + 1))
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for hour in hours:
                    pipe.hgetall(self.hour_key(hour))
                buckets = pipe.execute()
        except redis.RedisError as exc:
            raise CounterUnavailable(str(exc)) from exc
        return [
            (int(pk), hour_start(hour), int(count))
            for hour, bucket in zip(hours, buckets, strict=True)
            for pk, count in bucket.items()
        ]

    # --- flushing (see articles/counters/flush.py) ------------------------------------

    def claim_batch(self):
        """The id of the batch to flush (an unfinished one first), or None if nothing waits."""
        keys = [self.keys[name] for name in ("pend", "pendday", "batch", "batchday", "batchid")]
        flush_id = self._claim(keys=keys, args=[str(uuid.uuid4())])
        return flush_id.decode() if flush_id else None

    def batch_rows(self):
        """[(article_id, day, count)] of the claimed batch."""
        from datetime import date

        rows = []
        for field, count in self.redis.hgetall(self.keys["batchday"]).items():
            article_id, _bar, day = field.decode().partition("|")
            rows.append((int(article_id), date.fromisoformat(day), int(count)))
        return rows

    def release_batch(self, flush_id):
        """Forget a batch once the database has it; a no-op for any other batch."""
        keys = [self.keys[name] for name in ("batch", "batchday", "batchid")]
        return self._release(keys=keys, args=[flush_id]) == 1

    def waiting_total(self):
        """Reads pending plus any claimed batch, for --dry-run and the dashboard."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hvals(self.keys["pend"])
            pipe.hvals(self.keys["batch"])
            waiting, flushing = pipe.execute()
        return sum(int(v) for v in waiting) + sum(int(v) for v in flushing)
