"""Read replicas: public page reads go to a healthy PostgreSQL replica, the rest to the primary.

`DATABASE_REPLICA_URLS` adds one `replicaN` database per URL (settings.py). Reads use a
replica only inside a request that `newsportal.replica_middleware` marked as public (a
GET or HEAD from a visitor with no session and no "just wrote" cookie) and only while
nothing has been written during that request. Everything else, including management
commands, reads from the primary, so nobody sees their own save vanish.

A replica is used while a health check says it is up and replaying WAL no more than
DATABASE_REPLICA_MAX_LAG seconds behind; the result is cached per process for
DATABASE_REPLICA_CHECK_SECONDS, so the check costs one tiny query every few seconds.
"""

import contextlib
import contextvars
import logging
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

# Seconds of replay the replica is behind the primary: 0 when it has replayed all the
# WAL it received, otherwise the age of the last transaction it replayed.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0.0
    WHEN pg_last_wal_receive_lsn() IS NULL
         OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0.0
    ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()),
                  1e9)::float
END
"""


@dataclass
class RequestRouting:
    """What the router may do for the current request."""

    replica_allowed: bool = False
    wrote: bool = False
    pinned: bool = False  # a replica failed during this request
    replica: str | None = None
    used: set = field(default_factory=set)


_current = contextvars.ContextVar("replica_routing", default=None)


def primary_alias():
    # Tests point this at a throwaway cluster; in production it is always "default".
    return getattr(settings, "DATABASE_PRIMARY_ALIAS", DEFAULT_DB_ALIAS)


def replica_aliases():
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def begin_request(replica_allowed):
    """Start routing a request; returns the token `end_request` needs."""
    return _current.set(RequestRouting(replica_allowed=replica_allowed))


def end_request(token):
    _current.reset(token)


def current():
    return _current.get()


def note_write():
    """This request wrote: from now on it reads from the primary, and so will the writer's
    next requests (the middleware sets the pinning cookie)."""
    routing = _current.get()
    if routing is not None:
        routing.wrote = True


def read_from_primary():
    """The rest of this request reads from the primary (its replica failed)."""
    routing = _current.get()
    if routing is not None:
        routing.pinned = True


class ReplicaHealth:
    """Per-process cache of each replica's health: {alias: (checked_at, usable)}."""

    def __init__(self):
        self._results = {}

    def forget(self):
        self._results.clear()

    def mark_down(self, alias):
        self._results[alias] = (time.monotonic(), False)

    def usable(self, alias):
        ttl = float(getattr(settings, "DATABASE_REPLICA_CHECK_SECONDS", 5))
        checked = self._results.get(alias)
        if checked is not None and time.monotonic() - checked[0] < ttl:
            return checked[1]
        usable = self._check(alias)
        self._results[alias] = (time.monotonic(), usable)
        return usable

    def _check(self, alias):
        max_lag = float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", 10))
        connection = connections[alias]
        try:
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                lag = cursor.fetchone()[0]
        except DatabaseError as error:
            logger.warning("replica %s unusable: %s", alias, error)
            close_quietly(alias)
            return False
        if lag > max_lag:
            logger.warning("replica %s is %.1f s behind; reading from the primary", alias, lag)
            return False
        return True


health = ReplicaHealth()


def close_quietly(alias):
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


class ReplicaRouter:
    """Sends reads of public requests to a healthy replica and everything else to the primary."""

    def db_for_read(self, model, **hints):
        routing = _current.get()
        if routing is None or not routing.replica_allowed or routing.wrote or routing.pinned:
            return primary_alias()
        if routing.replica is None:
            healthy = [alias for alias in replica_aliases() if health.usable(alias)]
            # One replica per request, so its reads see a single point in time.
            routing.replica = random.choice(healthy) if healthy else primary_alias()  # noqa: S311
        if routing.replica != primary_alias():
            routing.used.add(routing.replica)
        return routing.replica

    def db_for_write(self, model, **hints):
        note_write()
        return primary_alias()

    def allow_relation(self, obj1, obj2, **hints):
        # The replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == primary_alias() or db not in replica_aliases()
