"""Stored pages answered before Django's request cycle replay exactly what Django sent."""

import io
from urllib.parse import unquote

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from articles.stored_pages_wsgi import StoredPagesFastPath
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def app():
    """The fast path around Django's own WSGI handler; `app.django` lists what reached it."""
    # As Django's test client does: a request's end must not close the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    inner = WSGIHandler()

    def django(environ, start_response):
        django.calls.append(environ["PATH_INFO"].encode("latin-1").decode())
        return inner(environ, start_response)

    django.calls = []
    fast = StoredPagesFastPath(django)
    fast.django = django.calls
    yield fast
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def get(app, path, method="GET", host="testserver", **headers):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "203.0.113.5",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    path, _, environ["QUERY_STRING"] = path.partition("?")
    # WSGI carries the decoded path's UTF-8 bytes as latin-1 text.
    environ["PATH_INFO"] = unquote(path).encode().decode("latin-1")
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, response_headers

    result = app(environ, start_response)
    body = b"".join(result)
    getattr(result, "close", lambda: None)()
    return seen["status"], seen["headers"], body


def test_a_page_served_as_a_hit_is_then_answered_without_django(app):
    """Miss, hit (Django), then the same status, headers and body without Django."""
    url = ArticleFactory(title="港口吞吐量创新高").get_absolute_url()
    path = unquote(url)
    miss, hit = get(app, url), get(app, url)
    assert dict(miss[1])["X-Page-Cache"] == "miss" and dict(hit[1])["X-Page-Cache"] == "hit"
    fast = get(app, url)
    again = get(app, url, x_request_id="nginx-request-0001")
    assert app.django == [path, path]
    assert fast[0] == hit[0] == "200 OK" and fast[2] == hit[2]
    assert "港口吞吐量创新高".encode() in fast[2]
    per_response = ("X-Request-ID", "Cache-Control")
    assert [h for h in fast[1] if h[0] not in per_response] == [
        h for h in hit[1] if h[0] not in per_response
    ]
    assert "Content-Security-Policy" in dict(fast[1]) and "X-Frame-Options" in dict(fast[1])
    ids = [dict(response[1])["X-Request-ID"] for response in (hit, fast, again)]
    assert len(set(ids)) == 3 and ids[2] == "nginx-request-0001"
    control = dict(fast[1])["Cache-Control"]
    assert "public" in control and 1 <= int(control.split("s-maxage=")[1][:2].strip(",")) <= 60


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"cookie": "sessionid=abc"},
        {"cookie": "lang=zh; messages=x"},
        {"cookie": "np_primary=1"},
        {"method": "HEAD"},
        {"method": "POST"},
    ],
    ids=["staff", "message", "writer", "head", "post"],
)
def test_readers_the_page_cache_skips_always_reach_django(app, request_kwargs):
    url = ArticleFactory().get_absolute_url()
    get(app, url), get(app, url), get(app, url)  # now stored for everyone else
    before = len(app.django)
    get(app, url, **request_kwargs)
    get(app, url, **request_kwargs)
    assert len(app.django) == before + 2


def test_previews_and_conditional_requests_reach_django(app):
    url = ArticleFactory().get_absolute_url()
    _, _, _ = get(app, url)
    _, headers, _ = get(app, url)
    before = len(app.django)
    status, _, body = get(app, url, if_none_match=dict(headers)["ETag"])
    assert (status, body) == ("304 Not Modified", b"")
    for _ in range(3):  # a preview is never a page-cache hit, so never kept for replay
        get(app, f"{url}?preview=signed")
    assert len(app.django) == before + 4


def test_an_edit_is_shown_at_once(app, django_capture_on_commit_callbacks):
    """Saving an article bumps the content version: the stored copy is not used again."""
    article = ArticleFactory(title="旧标题")
    url = article.get_absolute_url()
    for _ in range(3):
        assert "旧标题".encode() in get(app, url)[2]
    article.title = "新标题"
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    body = get(app, url)[2]
    assert "新标题".encode() in body and "旧标题".encode() not in body


def test_another_host_is_not_served_a_stored_page(app):
    url = ArticleFactory().get_absolute_url()
    get(app, url), get(app, url), get(app, url)
    status, _, body = get(app, url, host="attacker.example")
    assert status.startswith("400") and b"<article" not in body


def test_nothing_is_kept_when_the_cache_stores_nothing(app, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    url = ArticleFactory().get_absolute_url()
    for _ in range(3):
        get(app, url)
    assert app.django == [unquote(url)] * 3


@pytest.mark.parametrize(
    "extra",
    [("Set-Cookie", "csrftoken=x"), ("Vary", "Cookie"), ("Content-Encoding", "gzip")],
    ids=["cookie", "vary-cookie", "gzip"],
)
def test_a_hit_that_differs_by_visitor_is_never_replayed(extra):
    """Whatever a future middleware adds: a per-visitor or negotiated hit is not kept."""
    calls = []

    def django(environ, start_response):
        calls.append(1)
        start_response(
            "200 OK",
            [("X-Page-Cache", "hit"), ("Content-Length", "4"), ("Vary", "Accept-Language"), extra],
        )
        return [b"page"]

    app = StoredPagesFastPath(django)
    for _ in range(3):
        assert get(app, "/some/page/")[2] == b"page"
    assert len(calls) == 3
