"""Faults with real servers: Redis vanishing and PostgreSQL restarting under traffic, and
a counter flush or an import killed halfway.

The site runs in gunicorn (deploy/gunicorn.conf.py) against a redis-server and a
PostgreSQL cluster started here on spare loopback ports; a few client threads keep
requesting pages while a server is stopped and started again. Commands are SIGKILLed
while they work. What each test saw (requests, errors, seconds to recover, counts before
and after) is printed; run with -s to read it.
"""

import itertools
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from tests.servers import (
    ROOT,
    AppServer,
    PostgresCluster,
    RedisServer,
    app_env,
    prepare_database,
)

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
    yield {
        "redis": redis,
        "postgres": cluster,
        "app": app,
        "urls": urls,
        "env": env,
        "database_url": database_url,
    }
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


BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def beacon_statuses(app, urls, count=6):
    """POST the read beacon as engagement.js does; Counter of statuses (503s need Retry-After)."""
    from articles.counters.tokens import page_token

    found = Counter()
    for n in range(count):
        pk = urls["article_ids"][n % len(urls["article_ids"])]
        status, headers, _body = app.get(
            f"/e/read/{pk}/?t={page_token(pk)}",
            method="POST",
            headers={"User-Agent": f"{BROWSER} fault/{time.monotonic_ns()}"},
        )
        if status == 503:
            assert headers.get("Retry-After"), "a 503 must say when to retry"
        found[status] += 1
    return found


def pages(urls):
    return ["/", *urls["articles"], urls["region"], urls["tag"], urls["author"]]


def test_pages_keep_coming_while_redis_is_away_and_the_cache_returns(redis_stack):
    """No 5xx while Redis is down (cache misses go to the database); back in use after."""
    redis, app, urls = redis_stack
    for path in pages(urls):
        assert app.get(path)[0] == 200, path
    keys_before = redis.client().dbsize()
    assert keys_before > 0, "the site should be caching in Redis"

    beacons = {"before": beacon_statuses(app, urls)}
    with Traffic(app, pages(urls)) as traffic:
        time.sleep(1)
        down_at = time.monotonic()
        redis.stop()
        time.sleep(1)
        beacons["during"] = beacon_statuses(app, urls)
        time.sleep(1)
        ready_during = app.get("/readyz")
        up_at = time.monotonic()
        redis.start()
        recovered_in = wait_until(lambda: redis.client().dbsize() > 0, timeout=30)
        # The probe asks Redis itself (and ends that worker's back-off), so every
        # worker is ready as soon as Redis answers, whichever one takes the request.
        ready_in = wait_until(lambda: app.get("/readyz")[0] == 200, timeout=10)
    ready_after = app.get("/readyz")
    beacons["after"] = beacon_statuses(app, urls)

    during = traffic.between(down_at, up_at)
    report(
        "redis outage",
        requests_total=len(traffic.results),
        requests_during_outage=len(during),
        statuses=dict(statuses(traffic.results)),
        keys_before=keys_before,
        seconds_until_cache_used_again=recovered_in,
        seconds_until_ready_again=ready_in,
        readyz_during=ready_during[0],
        readyz_after=ready_after[0],
        beacon_statuses={when: dict(found) for when, found in beacons.items()},
    )
    assert len(during) >= 3
    assert statuses(traffic.results) == {200: len(traffic.results)}, app.output()[-2000:]
    assert ready_during[0] == 503
    assert json.loads(ready_during[2])["checks"]["cache"]["ok"] is False
    assert ready_after[0] == 200
    # Reads keep being counted: into the database while Redis is away.
    for when, found in beacons.items():
        assert set(found) == {204}, (when, found)


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


def sql(stack, query):
    """One value from the stack's database (PostgreSQL or the SQLite fallback)."""
    if stack["postgres"]:
        import psycopg

        with psycopg.connect(stack["database_url"].replace("postgres://", "postgresql://")) as db:
            return int(db.execute(query).fetchone()[0])
    import sqlite3

    with sqlite3.connect(stack["database_url"].removeprefix("sqlite:///")) as db:
        return int(db.execute(query).fetchone()[0])


def manage(stack, *args):
    return subprocess.Popen(  # noqa: S603 - our interpreter and our manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=stack["env"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def read_totals(stack):
    return (
        sql(stack, "SELECT COALESCE(SUM(view_count), 0) FROM articles_article"),
        sql(stack, "SELECT COALESCE(SUM(count), 0) FROM articles_dailyreads"),
    )


def test_a_killed_counter_flush_loses_no_read_and_counts_none_twice(stack):
    """flush_counters SIGKILLed again and again while reads pour in; totals still match."""
    if stack["redis"] is None:
        pytest.skip("needs redis-server (apt-get install redis-server)")
    from articles.counters.redis_backend import RedisCounter

    counter = RedisCounter(stack["redis"].url, prefix="np:cnt")  # the app's default prefix
    ids = stack["urls"]["article_ids"]
    applied = "SELECT COUNT(*) FROM articles_counterflush"
    # Reads already waiting (e.g. beacons from the test above) belong to "before".
    before = [total + counter.waiting_total() for total in read_totals(stack)]
    recorded, kills, visitor = 0, 0, itertools.count()

    def record(reads=50):
        return sum(
            counter.record_read(ids[n % len(ids)], f"flush-visitor-{next(visitor)}")
            for n in range(reads)
        )

    for round_number in range(3):
        flusher = manage(stack, "flush_counters", "--loop", "0.02", "-v", "0")
        batches, deadline = sql(stack, applied), time.monotonic() + 60
        # Kill only once this flusher is busy applying batches, at a different moment each time.
        while sql(stack, applied) == batches:
            assert flusher.poll() is None, flusher.stderr.read()
            assert time.monotonic() < deadline, "the flusher never applied a batch"
            recorded += record()
        for _burst in range(round_number * 3):
            recorded += record()
        flusher.kill()
        flusher.wait()
        kills += flusher.returncode == -signal.SIGKILL
    final = manage(stack, "flush_counters", "-v", "0")
    assert final.wait(60) == 0, final.stderr.read()
    after = read_totals(stack)
    report(
        "counter flush killed",
        reads_recorded=recorded,
        flushers_killed=kills,
        batches_applied=sql(stack, "SELECT COUNT(*) FROM articles_counterflush"),
        view_count_before_after=[before[0], after[0]],
        daily_reads_before_after=[before[1], after[1]],
    )
    assert kills == 3
    assert after[0] - before[0] == recorded
    assert after[1] - before[1] == recorded


IMPORT_PAGE = """场馆开放第{n}期：市民健身有了新去处
2026年03月{day:02d}日 09:21　来源：中新网

  中新网杭州3月{day}日电(林晓 陈立平)第{n}个场馆今天向市民开放，清晨已有不少市民在慢跑。

  杭州市体育局相关负责人介绍，这是今年改造完成的第{n}处场馆，票价不到二十元。(完)

【编辑:唐雨】
"""


def test_an_import_killed_halfway_leaves_whole_articles_and_finishes_on_rerun(stack, tmp_path):
    """SIGKILL mid-import: every article is whole; a re-run completes without duplicates."""
    pages_total = 30
    for n in range(pages_total):
        text = IMPORT_PAGE.format(n=n, day=n % 28 + 1)
        (tmp_path / f"page-{n:03d}.txt").write_text(text, encoding="utf-8")
    imported = "SELECT COUNT(*) FROM articles_article WHERE origin_key IS NOT NULL"
    whole = (
        "SELECT COUNT(*) FROM articles_article a WHERE origin_key IS NOT NULL AND body <> ''"
        " AND EXISTS (SELECT 1 FROM articles_byline b WHERE b.article_id = a.id)"
    )
    importer = manage(stack, "import_articles", str(tmp_path), "--publish", "-v", "0")
    wait_until(lambda: sql(stack, imported) >= 3 or importer.poll() is not None, timeout=60)
    importer.kill()
    importer.wait()
    at_kill = sql(stack, imported)
    whole_at_kill = sql(stack, whole)

    rerun = manage(stack, "import_articles", str(tmp_path), "--publish", "-v", "0")
    assert rerun.wait(120) == 0, rerun.stderr.read()[-2000:]
    report(
        "import killed",
        pages=pages_total,
        articles_when_killed=at_kill,
        whole_articles_when_killed=whole_at_kill,
        articles_after_rerun=sql(stack, imported),
    )
    assert importer.returncode == -signal.SIGKILL, "the import finished before it was killed"
    assert whole_at_kill == at_kill
    assert sql(stack, imported) == pages_total
    assert sql(stack, whole) == pages_total
    assert sql(stack, "SELECT COUNT(DISTINCT origin_key) FROM articles_article") == pages_total
