"""The read beacon as a lean ASGI service beside gunicorn, for thousands of reads a second.

A breaking story's readers send one beacon each; through gunicorn every beacon holds a
worker thread for a blocking Redis round trip. This service answers `/e/read/<id>/` (and
`/en/e/read/<id>/`) on an event loop instead: the same decision as the Django view
(articles/counters/beacon.py `decide`), the same Lua script and keys
(redis_backend.RedisCounter.read_call), so `flush_counters` is unchanged, but with every
beacon in flight sharing one pipelined Redis connection (articles/counters/resp.py).
nginx routes the beacon path here and everything else to gunicorn (deploy/nginx.conf):

    python -m articles.counters.service --host 127.0.0.1 --port 8001 --workers 2

Answers: 204 (POST), the 1x1 GIF (GET, the <noscript> pixel), 403 for a bad page token,
429 with Retry-After over the per-address limit, 404/405 for anything else. When Redis
cannot be reached the read is counted in the database (in a thread), like the view does.
"""

import argparse
import asyncio
import functools
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl

from django.conf import settings

from articles.counters.resp import PipelinedRedis, RedisDown

logger = logging.getLogger(__name__)

# The request headers that the decision reads (visitors.py, ratelimit.py), as WSGI names.
WANTED_HEADERS = {
    b"user-agent": "HTTP_USER_AGENT",
    b"x-forwarded-for": "HTTP_X_FORWARDED_FOR",
    b"cookie": "HTTP_COOKIE",
}
COMMON_HEADERS = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]
EMPTY = [*COMMON_HEADERS, (b"content-length", b"0")]


def scope_meta(scope):
    """The WSGI-style META that decide() reads, built as Django's ASGIRequest builds it."""
    client = scope.get("client")
    meta = {"REMOTE_ADDR": client[0] if client else ""}
    for name, raw in scope["headers"]:
        key = WANTED_HEADERS.get(name)
        if key is None:
            continue
        value = raw.decode("latin-1")
        if key == "HTTP_COOKIE":
            value = value.rstrip("; ")
            if key in meta:
                value = f"{meta[key]}; {value}"
        elif key in meta:
            value = f"{meta[key]},{value}"
        meta[key] = value
    return meta


def page_token_of(query):
    """`t` from the query string, as request.GET.get("t", "") reads it."""
    if query[:2] == b"t=" and b"&" not in query and b"%" not in query and b"+" not in query:
        return query[2:].decode("latin-1")  # what engagement.js sends: skip the parser
    return dict(parse_qsl(query.decode("latin-1"))).get("t", "")


def beacon_pattern():
    """The beacon path in every language, from the URLconf (a moved URL moves this too)."""
    from django.urls import reverse
    from django.utils import translation

    prefixes = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prefixes.add(reverse("articles:beacon", args=[0])[: -len("0/")])
    alternatives = "|".join(re.escape(prefix) for prefix in sorted(prefixes))
    return re.compile(f"(?:{alternatives})([0-9]{{1,18}})/\\Z")


def _in_thread(work, *args):
    # A thread of our own pool: give it Django's per-request connection housekeeping.
    from django.db import close_old_connections

    close_old_connections()
    return work(*args)


class BeaconService:
    """The ASGI application (see the module docstring)."""

    def __init__(self):
        from articles.counters import beacon, redis_backend
        from articles.counters.wsgi import EnvironRequest

        self.beacon = beacon
        self.backend = redis_backend
        self.request_class = EnvironRequest
        self.pattern = beacon_pattern()
        self.clients = {}  # Redis URL -> PipelinedRedis, made on first use inside the loop
        # Only for the database: a few threads bound the connections an outage can open.
        self.threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="beacon-db")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            await self.http(scope, send)
        elif scope["type"] == "lifespan":
            await self.lifespan(receive, send)

    async def http(self, scope, send):
        match = self.pattern.match(scope["path"])
        if match is None:
            return await respond(send, 404, EMPTY)
        method = scope["method"]
        if method not in ("GET", "POST"):
            return await respond(send, 405, [*EMPTY, (b"allow", b"GET, POST")])
        try:
            outcome = await self.count(scope, int(match[1]), page_token_of(scope["query_string"]))
        except Exception:
            logger.exception("read beacon failed")
            return await respond(send, 500, EMPTY)
        if outcome.status == 204:
            if method == "POST":
                return await respond(send, 204, COMMON_HEADERS)
            pixel = self.beacon.PIXEL
            headers = [
                *COMMON_HEADERS,
                (b"content-type", b"image/gif"),
                (b"content-length", str(len(pixel)).encode()),
            ]
            return await respond(send, 200, headers, pixel)
        headers = EMPTY
        if outcome.retry_after:
            headers = [*EMPTY, (b"retry-after", str(outcome.retry_after).encode())]
        return await respond(send, outcome.status, headers)

    async def count(self, scope, article_id, token):
        beacon = self.beacon
        read = beacon.decide(self.request_class(scope_meta(scope)), article_id, token)
        if isinstance(read, beacon.Outcome):
            return read
        counter = beacon.get_counter()
        if not isinstance(counter, self.backend.RedisCounter):
            return await self.in_thread(beacon.record, read)  # no Redis configured
        keys, args, window_end = counter.read_call(
            read.article_id, read.visitor, read.now, read.rate_limit
        )
        try:
            reply = await self.evaluate(self.client(settings.REDIS_URL), keys, args)
        except RedisDown:
            return await self.in_thread(beacon.count_in_database, read.article_id, read.now)
        try:
            counted = self.backend.read_result(reply, window_end, read.now)
        except beacon.RateLimited as refused:
            return beacon.too_many(refused)
        return beacon.Outcome(204, counted=counted)

    async def evaluate(self, client, keys, args):
        """RECORD by its digest; by its text if Redis forgot it (SCRIPT FLUSH)."""
        backend = self.backend
        try:
            return await client.call("EVALSHA", backend.RECORD_SHA, len(keys), *keys, *args)
        except RedisDown as exc:
            if not str(exc).startswith("NOSCRIPT"):
                raise
        return await client.call("EVAL", backend.RECORD, len(keys), *keys, *args)

    def client(self, url):
        client = self.clients.get(url)
        if client is None:
            client = self.clients[url] = PipelinedRedis(url)
            client.setup_commands.append(("SCRIPT", "LOAD", self.backend.RECORD))
        return client

    async def in_thread(self, work, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.threads, functools.partial(_in_thread, work, *args))

    async def lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close(self):
        for client in self.clients.values():
            client.close()
        self.clients.clear()
        self.threads.shutdown(wait=False)


async def respond(send, status, headers, body=b""):
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def application():
    """The uvicorn factory: Django's settings and apps (no database connection is opened)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
    django.setup()
    return BeaconService()


def main(argv=None):
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--uds", help="listen on this Unix socket instead")
    parser.add_argument("--workers", type=int, default=1, help="processes (one per core)")
    parser.add_argument(
        "--limit-concurrency",
        type=int,
        default=4096,
        help="beacons in flight per process before 503s (bounds memory if Redis stalls)",
    )
    parser.add_argument("--log-level", default="warning")
    options = parser.parse_args(argv)
    uvicorn.run(
        "articles.counters.service:application",
        factory=True,
        host=options.host,
        port=options.port,
        uds=options.uds,
        workers=options.workers,
        limit_concurrency=options.limit_concurrency,
        log_level=options.log_level,
        # The client address stays the socket's: ratelimit.client_ip reads X-Forwarded-For
        # itself (TRUSTED_PROXY_COUNT), exactly as under gunicorn.
        proxy_headers=False,
        access_log=False,
        server_header=False,
        timeout_keep_alive=5,
        backlog=2048,
    )


if __name__ == "__main__":
    main()
