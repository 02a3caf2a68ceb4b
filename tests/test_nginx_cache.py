"""The shipped nginx cache, live: a real nginx with deploy/nginx.conf in front of a stub app.

The stub stands in for gunicorn so the test controls exactly what the app answers and
when; the nginx configuration is the shipped one (bench/servers.py turns it into a
runnable file). What matters to a newsroom: a copy is kept only as long as the app's
s-maxage says, a changed page replaces it, and readers with a session never get it.
"""

import http.server
import os
import shutil
import tempfile
import threading
import time

import pytest

from bench import servers

pytestmark = pytest.mark.skipif(
    not shutil.which("nginx") and not servers.Path(servers.NGINX).exists(),
    reason="needs nginx (apt-get install nginx-light)",
)


class StubApp:
    """Answers every path with the current body; counts the requests that reach it."""

    def __init__(self):
        self.body = b"v1"
        self.hits = 0
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/healthz":
                    return self.answer(200, b"ok", "no-store")
                stub.hits += 1
                self.answer(200, stub.body, "public, max-age=0, s-maxage=1")

            def answer(self, status, body, control):
                self.send_response(status)
                # As RequestIdMiddleware does: echo the id nginx sent.
                self.send_header("X-Request-ID", self.headers.get("X-Request-ID", "none"))
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Cache-Control", control)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def get(proxy, path, **headers):
    return get_with_headers(proxy, path, **headers)[:2]


def get_with_headers(proxy, path, **headers):
    request = servers.urllib.request.Request(proxy.base + path, headers=headers)
    with servers.urllib.request.urlopen(request, timeout=5) as response:
        return response.read(), response.headers.get("X-Cache"), response.headers


@pytest.fixture
def proxied():
    # nginx workers run as nobody: pytest's tmp_path (0700 parents) is out of their reach.
    work = tempfile.mkdtemp(prefix="np-nginx-test-")
    os.chmod(work, 0o755)  # noqa: S103
    try:
        with StubApp() as app, servers.Nginx(app.port, f"{work}/nginx") as proxy:
            yield app, proxy
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_a_copy_is_served_until_its_s_maxage_then_the_new_page(proxied):
    app, proxy = proxied
    assert get(proxy, "/a/1/") == (b"v1", "MISS")
    assert get(proxy, "/a/1/") == (b"v1", "HIT")
    assert app.hits == 1
    app.body = b"v2"
    deadline = time.monotonic() + 10
    while get(proxy, "/a/1/")[0] != b"v2":
        assert time.monotonic() < deadline, "the changed page never replaced the copy"
        time.sleep(0.2)
    # Once replaced, every reader gets the new copy (no worker keeps the old file open).
    answers = {get(proxy, "/a/1/") for _ in range(20)}
    assert answers == {(b"v2", "HIT")}


def test_a_reader_with_a_session_goes_past_the_cache(proxied):
    app, proxy = proxied
    get(proxy, "/a/2/")
    before = app.hits
    body, status = get(proxy, "/a/2/", Cookie="sessionid=abc")
    assert (body, status) == (b"v1", "BYPASS") and app.hits == before + 1


def test_every_reader_of_a_stored_copy_gets_a_request_id_of_their_own(proxied):
    _app, proxy = proxied
    answers = [get_with_headers(proxy, "/a/3/") for _ in range(3)]
    assert [status for _body, status, _headers in answers] == ["MISS", "HIT", "HIT"]
    ids = [headers.get_all("X-Request-ID") for _body, _status, headers in answers]
    assert all(len(found) == 1 and len(found[0]) == 32 for found in ids), ids
    assert len({found[0] for found in ids}) == 3
