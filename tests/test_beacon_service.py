"""The asynchronous beacon service counts exactly like the Django view, and degrades like it.

The ASGI application is driven directly (no HTTP server): the decision, Redis and the
database fallback are the real ones.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command

from articles.counters import get_counter
from articles.counters.beacon import PIXEL
from articles.counters.service import BeaconService, application, page_token_of, scope_meta
from articles.counters.tokens import page_token
from articles.models import Article, DailyReads
from tests.factories import ArticleFactory

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


class Harness:
    """One service on one event loop, for the length of a test.

    The loop runs in a thread of its own: Playwright's sync API keeps a loop running in
    the main thread of a worker that has run browser tests.
    """

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = ThreadPoolExecutor(1)
        self.app = BeaconService()

    def run(self, coroutine):
        return self.thread.submit(self.loop.run_until_complete, coroutine).result(timeout=60)

    def request(
        self, path, method="POST", query=None, agent=BROWSER, address="203.0.113.5", headers=()
    ):
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query if query is not None else b"",
            "headers": [(b"host", b"testserver"), *headers]
            + (
                [(b"user-agent", agent if isinstance(agent, bytes) else agent.encode())]
                if agent is not None
                else []
            ),
            "client": (address, 40000),
            "server": ("127.0.0.1", 8001),
        }
        messages = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            messages.append(message)

        self.run(self.app(scope, receive, send))
        start = messages[0]
        body = b"".join(message.get("body", b"") for message in messages[1:])
        return start["status"], dict(start["headers"]), body

    def beacon(self, article, token=None, method="POST", **kwargs):
        token = page_token(article.pk) if token is None else token
        query = f"t={token}".encode()
        return self.request(f"/e/read/{article.pk}/", method=method, query=query, **kwargs)

    def close(self):
        self.app.close()
        self.run(asyncio.sleep(0))
        self.thread.submit(self.loop.close).result()
        self.thread.shutdown()


@pytest.fixture
def harness():
    service = Harness()
    yield service
    service.close()


@pytest.fixture
def on_redis(settings, redis_url):
    settings.REDIS_URL = redis_url
    return get_counter()


def pending(article):
    return get_counter().pending([article.pk]).get(article.pk, 0)


def totals(article):
    article.refresh_from_db()
    daily = sum(DailyReads.objects.filter(article=article).values_list("count", flat=True))
    return article.view_count, daily


@pytest.mark.django_db
def test_a_counted_read_flushes_into_view_count_exactly(on_redis, harness):
    """A read the service counts waits in Redis, then flush_counters adds exactly it."""
    article = ArticleFactory()
    status, headers, body = harness.beacon(article)
    assert (status, body) == (204, b"")
    assert headers[b"cache-control"] == b"no-store"
    assert pending(article) == 1
    assert totals(article) == (0, 0)
    call_command("flush_counters", verbosity=0)
    assert totals(article) == (1, 1)
    assert pending(article) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "0.0", "123.abc", "x" * 300, "%ff%fe"])
def test_a_missing_forged_or_stale_token_is_refused(on_redis, harness, token):
    """No valid page token, no read: 403 and nothing pending."""
    article = ArticleFactory()
    assert harness.beacon(article, token=token)[0] == 403
    assert harness.beacon(article, token=page_token(article.pk, now=0))[0] == 403
    assert pending(article) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("agent", ["Googlebot/2.1 (+http://www.google.com/bot.html)", "", None])
def test_bots_get_a_204_but_are_not_counted(on_redis, harness, agent):
    """Crawlers and agent-less scripts are answered as a success and ignored."""
    article = ArticleFactory()
    assert harness.beacon(article, agent=agent)[0] == 204
    assert pending(article) == 0


@pytest.mark.django_db
def test_the_same_reader_counts_once_within_the_window(on_redis, harness):
    """The 30-minute dedupe: same address and browser once; another reader counts again."""
    article = ArticleFactory()
    assert [harness.beacon(article)[0] for _ in range(3)] == [204, 204, 204]
    assert pending(article) == 1
    assert harness.beacon(article, address="203.0.113.6")[0] == 204
    assert harness.beacon(article, agent=BROWSER + " Edg/131.0")[0] == 204
    assert pending(article) == 3


@pytest.mark.django_db
def test_the_service_reads_the_forwarded_address_like_django(on_redis, harness, settings):
    """Behind a trusted proxy, X-Forwarded-For names the reader (ratelimit.client_ip)."""
    settings.TRUSTED_PROXY_COUNT = 1
    article = ArticleFactory()
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.2"):
        harness.beacon(article, headers=[(b"x-forwarded-for", f"10.9.9.9, {address}".encode())])
    assert pending(article) == 2


@pytest.mark.django_db
def test_over_the_per_address_limit_answers_429_with_retry_after(on_redis, harness, settings):
    """The beacon's rate limit is checked in the same Redis call that counts."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "beacon": (2, 60)}
    articles = ArticleFactory.create_batch(3)
    codes = [harness.beacon(article)[0] for article in articles]
    assert codes == [204, 204, 429]
    status, headers, _body = harness.beacon(articles[0])
    assert status == 429
    assert 1 <= int(headers[b"retry-after"]) <= 60
    assert sum(pending(article) for article in articles) == 2


@pytest.mark.django_db
def test_the_noscript_pixel_is_a_counted_gif(on_redis, harness):
    """GET (the <noscript> image) answers the 1x1 GIF and counts like the POST."""
    article = ArticleFactory()
    query = f"t={page_token(article.pk)}&nojs=1".encode()
    status, headers, body = harness.request(f"/en/e/read/{article.pk}/", "GET", query)
    assert (status, headers[b"content-type"], body) == (200, b"image/gif", PIXEL)
    assert pending(article) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/e/read/abc/", "POST", 404),
        ("/e/read/1", "POST", 404),
        ("/e/read/-1/", "POST", 404),
        ("/e/read/1234567890123456789012/", "POST", 404),
        ("/e/read/1/extra/", "POST", 404),
        ("/fr/e/read/1/", "POST", 404),
        ("/", "GET", 404),
        ("/e/read/1/", "PUT", 405),
        ("/e/read/1/", "HEAD", 405),
    ],
)
def test_malformed_paths_and_methods_are_4xx(on_redis, harness, path, method, expected):
    """Anything but GET/POST on the beacon path is refused, never a 500."""
    assert harness.request(path, method)[0] == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [b"t", b"t=%", b"t=%ff%fe&t=", b"\xff\xfe=\x00", b"&&&=&", b"t=" + b"9" * 10000 + b".x"],
)
def test_malformed_queries_and_headers_are_4xx(on_redis, harness, query):
    """Broken query strings and non-UTF-8 headers are refused cleanly."""
    article = ArticleFactory()
    path = f"/e/read/{article.pk}/"
    assert harness.request(path, query=query)[0] == 403
    broken = [(b"cookie", b"\xff\xfe nv=\x00;;"), (b"x-forwarded-for", b"\xff, ,")]
    assert harness.beacon(article, agent=b"Mozilla/5.0 \xff\xfe", headers=broken)[0] == 204
    assert pending(article) == 1


def test_the_token_parser_matches_request_get():
    """page_token_of reads `t` as Django's request.GET.get("t", "") does."""
    from django.http import QueryDict

    for query in [b"t=1.abc", b"t=", b"", b"t=a&t=b", b"x=1&t=2", b"t=a%2Eb", b"t=a+b", b"t"]:
        assert page_token_of(query) == QueryDict(query).get("t", ""), query


def test_headers_become_meta_as_in_django():
    """Repeated headers join like Django's ASGI request; the socket gives REMOTE_ADDR."""
    meta = scope_meta(
        {
            "client": ("192.0.2.1", 1),
            "headers": [
                (b"cookie", b"a=1; "),
                (b"cookie", b"b=2"),
                (b"x-forwarded-for", b"1.1.1.1"),
                (b"x-forwarded-for", b"2.2.2.2"),
            ],
        }
    )
    assert meta == {
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_COOKIE": "a=1; b=2",
        "HTTP_X_FORWARDED_FOR": "1.1.1.1,2.2.2.2",
    }


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_reads_are_counted_in_the_database(settings, harness):
    """Redis unreachable: the read goes straight into view_count, like the view's fallback."""
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    article = ArticleFactory()
    assert harness.beacon(article)[0] == 204
    assert harness.beacon(article, method="GET")[0] == 200  # no dedupe during an outage
    assert totals(article) == (2, 2)


@pytest.mark.django_db(transaction=True)
def test_a_redis_that_stops_answering_times_out_into_the_database(settings, harness):
    """A hung Redis (accepts, never replies) costs one timeout, then reads hit the database."""

    async def silent(reader, writer):
        await reader.read(1 << 20)
        await asyncio.sleep(30)

    server = harness.run(asyncio.start_server(silent, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    harness.app.client(settings.REDIS_URL).timeout = 0.2
    harness.app.client(settings.REDIS_URL).connect_timeout = 0.2
    article = ArticleFactory()
    assert harness.beacon(article)[0] == 204
    assert totals(article) == (1, 1)
    server.close()


@pytest.mark.django_db(transaction=True)
def test_without_redis_the_database_counter_is_used(settings, harness):
    """A site with no REDIS_URL still counts through the service (in a thread)."""
    settings.REDIS_URL = ""
    article = ArticleFactory()
    assert harness.beacon(article)[0] == 204
    assert harness.beacon(article)[0] == 204  # deduped in the cache
    assert Article.objects.get(pk=article.pk).view_count == 1


def test_the_lifespan_protocol_is_answered(harness):
    """uvicorn's startup and shutdown messages get their replies."""
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    outbox = []

    async def receive():
        return inbox.pop(0)

    async def send(message):
        outbox.append(message["type"])

    harness.run(harness.app({"type": "lifespan"}, receive, send))
    assert outbox == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_the_factory_builds_the_service():
    """`uvicorn --factory articles.counters.service:application` gets a ready app."""
    app = application()
    assert app.pattern.match("/e/read/42/")[1] == "42"
    assert app.pattern.match("/en/e/read/42/")[1] == "42"
    app.close()


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_reads_survive_a_redis_restart(settings, harness):
    """Redis stops: reads go to the database; it comes back: the service reconnects by itself."""
    from tests.servers import RedisServer

    if not RedisServer.available():
        pytest.skip("needs redis-server")
    server = RedisServer().start()
    try:
        settings.REDIS_URL = server.url
        article = ArticleFactory()
        assert harness.beacon(article, address="192.0.2.1")[0] == 204
        assert pending(article) == 1
        server.stop()
        assert harness.beacon(article, address="192.0.2.2")[0] == 204
        assert totals(article) == (1, 1)  # the outage's read, straight into the database
        server.start()
        harness.app.client(server.url).retry_at = 0  # skip the one-second reconnect pause
        assert harness.beacon(article, address="192.0.2.3")[0] == 204
        assert server.client().hget(f"{get_counter().prefix}:pend", article.pk) == b"1"
    finally:
        server.stop()


def test_the_pipelined_client_matches_replies_and_survives_a_new_loop(redis_url):
    """Many calls in flight get their own replies in order; a new event loop reconnects."""
    from articles.counters.resp import PipelinedRedis, RedisDown

    client = PipelinedRedis(redis_url)

    async def echo_many():
        return await asyncio.gather(*(client.call("ECHO", f"m{n}") for n in range(200)))

    loops = [Harness(), Harness()]
    for loop in loops:  # the second loop cannot use the first one's connection
        assert loop.run(echo_many()) == [f"m{n}".encode() for n in range(200)]
        with pytest.raises(RedisDown, match="ERR"):
            loop.run(client.call("NO-SUCH-COMMAND"))
    client.close()
    for loop in loops:
        loop.close()
