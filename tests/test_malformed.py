"""Malformed requests against every public URL pattern: a 4xx (or a normal answer), never a 5xx.

The URL list is read from the URLconf, so a page added later is covered without a change
here; its arguments are filled with real objects. A second part speaks raw HTTP to
gunicorn for what never reaches Django (oversized or broken request lines and headers).
"""

import socket

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from tests.factories import ArticleFactory, AuthorFactory, CityFactory, TagFactory
from tests.servers import AppServer, app_env, prepare_database

SKIP_NAMESPACES = {"admin"}  # the admin is staff-only and Django's own


def public_patterns(patterns=None, prefix=""):
    """(name, pattern) for every named public route, namespaces joined with ':'."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIP_NAMESPACES:
                continue
            inner = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from public_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


@pytest.fixture
def objects(db):
    region, author = CityFactory(), AuthorFactory()
    tag = TagFactory(name="坏请求")
    article = ArticleFactory(dateline_region=region, bylines=[author], tag_names=[tag.name])
    return {"article": article, "region": region, "author": author, "tag": tag}


def argument(name, route, objects):
    article = objects["article"]
    if name == "pk":
        return article.pk
    if name == "slug":
        for kind in ("region", "tag", "author"):
            if kind in route:
                return objects[kind].slug
        return article.slug
    if name == "section":
        return "articles"
    return "x"


def public_urls(objects):
    urls = []
    for name, pattern in public_patterns():
        kwargs = {key: argument(key, name, objects) for key in pattern.pattern.converters}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                urls.append((name, reverse(name, kwargs=kwargs)))
    return sorted(set(urls))


def test_the_walk_covers_the_reader_site(objects):
    names = {name for name, _url in public_urls(objects)}
    assert {"articles:home", "articles:detail", "healthz"} <= names
    assert not any(name.startswith("admin:") for name in names)


HUGE = 6 * 1024 * 1024  # over DATA_UPLOAD_MAX_MEMORY_SIZE


def bad_requests():
    """(label, method, suffix, data, extra) - all must answer below 500."""
    garbage_headers = {
        "HTTP_ACCEPT_LANGUAGE": "zz-!!;q=abc, *;q=-1",
        "HTTP_IF_MODIFIED_SINCE": "yesterday-ish",
        "HTTP_IF_NONE_MATCH": '"unterminated',
        "HTTP_RANGE": "bytes=9-1",
        "HTTP_COOKIE": "sessionid=garbage; csrftoken=%FF%FE; nv=\x7f",
        "HTTP_X_FORWARDED_FOR": "not-an-ip, , ::::",
        "HTTP_REFERER": "http://[::1",
        "HTTP_ORIGIN": "null",
        "HTTP_USER_AGENT": "\u202e" * 2000,
    }
    return [
        ("invalid UTF-8 in query", "get", "?q=%FF%FE%C3%28&page=%E2%82", None, {}),
        ("NUL bytes in query", "get", "?q=%00&page=%00&before=%00", None, {}),
        ("negative page", "get", "?page=-1", None, {}),
        ("zero page", "get", "?page=0", None, {}),
        ("absurd page", "get", "?page=" + "9" * 40, None, {}),
        ("float page", "get", "?page=1e309", None, {}),
        ("text page", "get", "?page=NaN", None, {}),
        ("huge cursor", "get", "?before=" + "9" * 17 + "-" + "9" * 19, None, {}),
        ("bad cursor", "get", "?before=-1--1&after=x", None, {}),
        ("repeated parameters", "get", "?page=1&page=2&q=a&q=b", None, {}),
        ("very long query", "get", "?q=" + "新" * 3000, None, {}),
        ("garbage headers", "get", "", None, garbage_headers),
    ]


def strictly_bad_requests():
    """(label, method, suffix, data, extra) - all must answer with a 4xx."""
    many_fields = "&".join(f"f{n}=1" for n in range(2000))
    return [
        ("unknown host", "get", "", None, {"HTTP_HOST": "evil.example.com"}),
        ("malformed host", "get", "", None, {"HTTP_HOST": "exa mple..com:port"}),
        ("PUT", "put", "", "x", {}),
        ("PATCH", "patch", "", "x", {}),
        ("DELETE", "delete", "", None, {}),
        ("TRACE", "trace", "", None, {}),
        ("OPTIONS", "options", "", None, {}),
        (
            "huge body",
            "post",
            "",
            "x" * HUGE,
            {"content_type": "application/x-www-form-urlencoded"},
        ),
        (
            "too many fields",
            "post",
            "",
            many_fields,
            {"content_type": "application/x-www-form-urlencoded"},
        ),
        (
            "broken multipart",
            "post",
            "",
            "--zz\r\nContent-Disposition: form-data\r\n\r\n",
            {"content_type": "multipart/form-data; boundary="},
        ),
    ]


def send(client, method, url, data, extra):
    extra = dict(extra)
    content_type = extra.pop("content_type", None)
    kwargs = {"content_type": content_type} if content_type else {}
    if method == "get":
        return client.get(url, **extra)
    return getattr(client, method)(url, data, **kwargs, **extra)


@pytest.fixture
def browser_client():
    # Like a browser: view errors become responses, CSRF is enforced.
    return Client(raise_request_exception=False, enforce_csrf_checks=True)


def test_no_bad_request_gives_a_server_error(browser_client, objects):
    failures = []
    for name, url in public_urls(objects):
        for label, method, suffix, data, extra in bad_requests():
            status = send(browser_client, method, url + suffix, data, extra).status_code
            if status >= 500:
                failures.append((status, label, name, url))
    assert failures == [], "\n".join(map(str, failures))


def test_invalid_requests_get_a_4xx(browser_client, objects):
    failures = []
    for name, url in public_urls(objects):
        for label, method, suffix, data, extra in strictly_bad_requests():
            status = send(browser_client, method, url + suffix, data, extra).status_code
            if not 400 <= status < 500:
                failures.append((status, label, name, url))
    assert failures == [], "\n".join(map(str, failures))


def test_broken_paths_get_a_4xx_or_a_redirect(browser_client, objects):
    """Invalid UTF-8, NUL and absurdly long segments inside the path itself."""
    failures = []
    for name, url in public_urls(objects):
        for broken in (
            url + "%FF%FE/",
            url + "%00/",
            url.rstrip("/") + "%C3%28",
            url + "x" * 5000 + "/",
        ):
            status = browser_client.get(broken).status_code
            if status >= 500 or status < 300:
                failures.append((status, name, broken[:80]))
    assert failures == [], "\n".join(map(str, failures))


def test_post_only_endpoints_refuse_other_methods(browser_client, objects):
    article = objects["article"]
    for name in ("articles:like",):
        url = reverse(name, kwargs={"pk": article.pk})
        assert browser_client.get(url).status_code == 405


# --- raw HTTP against gunicorn ------------------------------------------------------------


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    env = app_env(f"sqlite:///{tmp_path_factory.mktemp('malformed') / 'db.sqlite3'}")
    urls = prepare_database(env)
    app = AppServer(env).start()
    yield app, urls
    app.stop()


def raw(app, payload, timeout=10):
    """Send bytes as they are; returns the status code (0 when the server just hangs up)."""
    with socket.create_connection(("127.0.0.1", app.port), timeout=timeout) as sock:
        sock.sendall(payload)
        try:
            sock.shutdown(socket.SHUT_WR)
            reply = sock.recv(200)
        except ConnectionResetError:
            return 0
    if not reply.startswith(b"HTTP/"):
        return 0
    return int(reply.split(b" ", 2)[1])


def request(path=b"/", headers=b"", method=b"GET", version=b"HTTP/1.1", body=b""):
    return (
        method
        + b" "
        + path
        + b" "
        + version
        + b"\r\nHost: 127.0.0.1\r\n"
        + headers
        + b"Connection: close\r\n\r\n"
        + body
    )


RAW_CASES = [
    ("raw invalid UTF-8 path", request(b"/tag/\xff\xfe\xc3(/")),
    ("raw NUL in path", request(b"/a/1/\x00/")),
    ("request line too long", request(b"/?q=" + b"x" * 9000)),
    ("header too long", request(headers=b"X-Long: " + b"y" * 9000 + b"\r\n")),
    ("too many headers", request(headers=b"".join(b"X-H%d: 1\r\n" % n for n in range(120)))),
    ("bad method token", request(method=b"G(T")),
    ("unknown HTTP version", request(version=b"HTTP/9.9")),
    ("negative Content-Length", request(method=b"POST", headers=b"Content-Length: -1\r\n")),
    ("text Content-Length", request(method=b"POST", headers=b"Content-Length: abc\r\n")),
    (
        "Content-Length and chunked together",
        request(
            method=b"POST",
            headers=b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
            body=b"0\r\n\r\n",
        ),
    ),
    (
        "broken chunk",
        request(method=b"POST", headers=b"Transfer-Encoding: chunked\r\n", body=b"zz\r\nxx\r\n"),
    ),
    ("header without colon", request(headers=b"NoColonHere\r\n")),
    ("NUL in header", request(headers=b"X-Null: a\x00b\r\n")),
    ("absurd Host", b"GET / HTTP/1.1\r\nHost: \xff\xfe:99999\r\nConnection: close\r\n\r\n"),
    # The read beacon is answered before Django (articles/counters/wsgi.py): same rules.
    ("beacon with a broken token", request(b"/e/read/1/?t=%FF%FE%00", method=b"POST")),
    ("beacon for a huge id", request(b"/e/read/999999999999999999/?t=1.ab", method=b"POST")),
    ("beacon id past the fast path", request(b"/e/read/99999999999999999999/", method=b"POST")),
    (
        "beacon with a forged host",
        request(b"/e/read/1/", method=b"POST").replace(
            b"Host: 127.0.0.1", b"Host: evil.example.com"
        ),
    ),
]


@pytest.mark.parametrize(("label", "payload"), RAW_CASES, ids=[c[0] for c in RAW_CASES])
def test_gunicorn_refuses_broken_http_with_a_4xx(gunicorn, label, payload):
    app, _urls = gunicorn
    status = raw(app, payload)
    assert 400 <= status < 500, (label, status, app.errors()[-3:])


def test_gunicorn_serves_a_page_after_all_that(gunicorn):
    app, urls = gunicorn
    assert app.get(urls["articles"][0])[0] == 200
