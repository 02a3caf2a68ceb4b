"""Faults with real servers: Redis vanishing and PostgreSQL restarting under traffic.

The site runs in gunicorn (deploy/gunicorn.conf.py) against a redis-server and a
PostgreSQL cluster started here on spare loopback ports; a few client threads keep
requesting pages while a server is stopped and started again. What each test saw
(requests, errors, seconds to recover) is printed; run with -s to read it.
"""

import itertools
import json
import threading
import time
from collections import Counter

import pytest

from tests.servers import AppServer, PostgresCluster, RedisServer, app_env, prepare_database

pytestmark = pytest.mark.faults


class Traffic:
    """Client threads requesting `paths` in turn until stopped; every answer is recorded."""

    def __init__(self, app, paths, threads=3, bust_cache=False):
        self.app, self.paths, self.bust_cache = app, paths, bust_cache
        self.results = []  # (answered at, path, status, headers, body, sent at), monotonic
        self._stop = threading.Event()
        self._counter = itertools.count()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        for path in itertools.cycle(self.paths):
            if self._stop.is_set():
                return
            if self.bust_cache:
                path = f"{path}?r={next(self._counter)}"
            sent_at = time.monotonic()
            try:
                status, headers, body = self.app.get(path, timeout=10)
            except OSError as exc:  # connection refused/reset: the app server itself failed
                status, headers, body = 0, {}, str(exc).encode()
            self.results.append((time.monotonic(), path, status, headers, body, sent_at))

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(15)

    def between(self, start, end=float("inf")):
        """Requests both sent and answered within [start, end)."""
        return [r for r in self.results if start <= r[5] and r[0] < end]


def statuses(results):
    return Counter(r[2] for r in results)


def wait_until(predicate, timeout, interval=0.1):
    """Seconds until predicate() held; fails the test after `timeout` (a bound, not a goal)."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            pytest.fail(f"condition not reached within {timeout} s")
        time.sleep(interval)
    return round(time.monotonic() - started, 2)


def report(name, **figures):
    print(f"\n[fault] {name}: {json.dumps(figures, ensure_ascii=False)}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """One gunicorn on a private PostgreSQL (SQLite without the binaries) and Redis."""
    redis = RedisServer().start() if RedisServer.available() else None
    cluster = PostgresCluster().init().start() if PostgresCluster.available() else None
    try:
        if cluster:
            cluster.create_database()
            database_url = cluster.url()
        else:
            database_url = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'db.sqlite3'}"
        env = app_env(database_url, redis.url if redis else "")
        urls = prepare_database(env)
        app = AppServer(env).start()
    except Exception:
        if cluster:
            cluster.destroy()
        if redis:
            redis.stop()
        raise
    yield {"redis": redis, "postgres": cluster, "app": app, "urls": urls}
    app.stop()
    if cluster:
        cluster.destroy()
    if redis:
        redis.stop()


@pytest.fixture
def redis_stack(stack):
    if stack["redis"] is None:
        pytest.skip("needs redis-server (apt-get install redis-server)")
    return stack["redis"], stack["app"], stack["urls"]


@pytest.fixture
def postgres_stack(stack):
    if stack["postgres"] is None:
        pytest.skip("needs PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return stack["postgres"], stack["app"], stack["urls"]


def pages(urls):
    return ["/", *urls["articles"], urls["region"], urls["tag"], urls["author"]]


def test_pages_keep_coming_while_redis_is_away_and_the_cache_returns(redis_stack):
    """No 5xx while Redis is down (cache misses go to the database); back in use after."""
    redis, app, urls = redis_stack
    for path in pages(urls):
        assert app.get(path)[0] == 200, path
    keys_before = redis.client().dbsize()
    assert keys_before > 0, "the site should be caching in Redis"

    with Traffic(app, pages(urls)) as traffic:
        time.sleep(1)
        down_at = time.monotonic()
        redis.stop()
        time.sleep(2)
        ready_during = app.get("/readyz")
        up_at = time.monotonic()
        redis.start()
        recovered_in = wait_until(lambda: redis.client().dbsize() > 0, timeout=30)
        time.sleep(0.5)
    ready_after = app.get("/readyz")

    during = traffic.between(down_at, up_at)
    report(
        "redis outage",
        requests_total=len(traffic.results),
        requests_during_outage=len(during),
        statuses=dict(statuses(traffic.results)),
        keys_before=keys_before,
        seconds_until_cache_used_again=recovered_in,
        readyz_during=ready_during[0],
        readyz_after=ready_after[0],
    )
    assert len(during) >= 3
    assert statuses(traffic.results) == {200: len(traffic.results)}, app.output()[-2000:]
    assert ready_during[0] == 503
    assert json.loads(ready_during[2])["checks"]["cache"]["ok"] is False
    assert ready_after[0] == 200


def test_postgres_restart_gives_a_styled_503_then_recovers_by_itself(postgres_stack):
    """While PostgreSQL is down: 503 + Retry-After + the outage page; then 200s again."""
    cluster, app, urls = postgres_stack
    paths = [*urls["articles"], urls["tag"]]
    for path in paths:
        assert app.get(path)[0] == 200, path

    with Traffic(app, paths, bust_cache=True) as traffic:
        time.sleep(1)
        down_at = time.monotonic()
        cluster.stop()
        time.sleep(2)
        up_at = time.monotonic()
        cluster.start()
        # Keep the traffic going; the last two seconds must be all 200s.
        time.sleep(4)

    during = traffic.between(down_at + 0.5, up_at)
    settled = traffic.between(up_at + 2)
    failures_after_start = [r for r in traffic.results if r[5] >= up_at and r[2] != 200]
    last_failure = max((r[0] for r in failures_after_start), default=up_at)
    report(
        "postgres restart",
        requests_total=len(traffic.results),
        requests_while_down=len(during),
        statuses=dict(statuses(traffic.results)),
        statuses_while_down=dict(statuses(during)),
        seconds_from_start_to_last_503=round(last_failure - up_at, 2),
        statuses_in_last_two_seconds=dict(statuses(settled)),
    )
    assert during and statuses(during) == {503: len(during)}
    for _at, _path, status, headers, body, _sent in traffic.results:
        if status == 503:
            assert headers["Retry-After"] == "7"
            assert "服务暂时不可用" in body.decode()
    assert set(statuses(traffic.results)) <= {200, 503}, app.errors()[-5:]
    assert settled and statuses(settled) == {200: len(settled)}, app.errors()[-5:]
