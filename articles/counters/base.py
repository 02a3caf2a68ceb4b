"""What every counter backend shares: the dedupe window, errors and day arithmetic."""

import functools
from datetime import UTC, datetime

from django.utils import timezone

# The same visitor re-reading the same article within this many seconds counts once.
DEDUPE_SECONDS = 30 * 60
# Hour buckets are kept this long: enough for hot picks and the dashboard's last 48 hours.
HOUR_BUCKET_TTL = 72 * 3600


class CounterUnavailable(Exception):
    """The counter's store cannot be reached; callers degrade instead of failing the page."""


class RateLimited(Exception):
    """The client is over its read-beacon limit; `retry_after` is in seconds."""

    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = retry_after


@functools.lru_cache(maxsize=64)
def _local_day_of_slot(slot):
    moment = datetime.fromtimestamp(slot * 900, tz=UTC)
    return timezone.localdate(moment)


def local_day(timestamp):
    """The newsroom's calendar day at a Unix timestamp (cached per quarter hour)."""
    return _local_day_of_slot(int(timestamp // 900))


def hour_start(hour_index):
    return datetime.fromtimestamp(hour_index * 3600, tz=UTC)


def day_start(day):
    """The aware datetime at the newsroom's midnight that starts `day`."""
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def dedupe_suffix(article_id, visitor):
    return f"{article_id}:{visitor}"
