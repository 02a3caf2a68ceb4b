"""Rate limits: one consistent 429 with Retry-After, limits taken from the settings."""

from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from articles import ratelimit
from tests.factories import ArticleFactory

rf = RequestFactory()


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    # Mid-window, so a test never straddles two fixed windows.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_699_999_990.0))


@ratelimit.rate_limited("demo", limit=2, window=60)
def demo_view(request):
    return HttpResponse("ok")


def request_from(address, forwarded=None):
    extra = {"REMOTE_ADDR": address}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.post("/demo/", **extra)


def test_requests_over_the_limit_get_429_with_retry_after():
    """The third request in a window of two is refused with a 429 that says when to retry."""
    statuses = [demo_view(request_from("10.0.0.1")).status_code for _ in range(3)]
    refused = demo_view(request_from("10.0.0.1"))
    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"  # the window started 10 s ago
    assert refused["Cache-Control"] == "no-store"
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert "请求过于频繁" in refused.content.decode()


def test_clients_are_counted_separately():
    """One client hitting its limit does not refuse another."""
    for _ in range(3):
        demo_view(request_from("10.0.0.2"))
    assert demo_view(request_from("10.0.0.3")).status_code == 200


def test_settings_override_the_limit_written_in_code(settings):
    """RATE_LIMITS["demo"] wins over the decorator's default."""
    settings.RATE_LIMITS = {"demo": (5, 60)}
    statuses = [demo_view(request_from("10.0.0.4")).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_limits_can_be_switched_off_for_load_tests(settings):
    settings.RATE_LIMITS_ENABLED = False
    statuses = {demo_view(request_from("10.0.0.5")).status_code for _ in range(5)}
    assert statuses == {200}


def test_a_scope_without_any_limit_is_a_programming_error(settings):
    settings.RATE_LIMITS = {}
    with pytest.raises(LookupError):
        ratelimit.check(request_from("10.0.0.6"), "unconfigured")


def test_env_rates_are_parsed_as_requests_per_seconds(monkeypatch):
    from newsportal.settings import env_rate

    monkeypatch.setenv("RATE_LIMIT_X", "7/120")
    assert env_rate("RATE_LIMIT_X", "1/1") == (7, 120)
    assert env_rate("RATE_LIMIT_MISSING", "30/60") == (30, 60)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "192.0.2.1"),  # no proxy configured: the header is ignored
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the forged left entry is ignored
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (2, "1.2.3.4", "192.0.2.1"),  # fewer entries than proxies: not trusted
    ],
)
def test_client_ip_trusts_only_what_the_proxies_wrote(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert ratelimit.client_ip(request_from("192.0.2.1", forwarded)) == expected


def test_forged_forwarded_for_does_not_escape_the_limit(settings):
    """Rotating a client-written X-Forwarded-For entry still counts as the same client."""
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        demo_view(request_from("127.0.0.1", f"9.9.9.{n}, 5.5.5.5")).status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]


BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


def endpoint_requests(article):
    """One request per rate-limited public endpoint, as a browser would send it."""
    from articles.counters.tokens import page_token

    return {
        "beacon": (
            "post",
            reverse("articles:beacon", kwargs={"pk": article.pk}) + f"?t={page_token(article.pk)}",
            {},
        ),
        "like": ("post", reverse("articles:like", kwargs={"pk": article.pk}), {}),
        "report": (
            "post",
            reverse("articles:report", kwargs={"pk": article.pk}),
            {"reason": "spam", "detail": "广告"},
        ),
        "search": ("get", reverse("articles:search"), {"q": "新闻"}),
    }


@pytest.mark.parametrize("scope", ["beacon", "like", "report", "search"])
def test_every_limited_endpoint_answers_the_same_429(client, db, settings, scope):
    """Beacon, likes, reports and search: over the limit, a 429 with Retry-After, not stored."""
    try:
        method, url, data = endpoint_requests(ArticleFactory())[scope]
    except NoReverseMatch:
        pytest.skip(f"the {scope} endpoint is not wired yet")
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, scope: (1, 60)}
    send = getattr(client, method)
    headers = {"HTTP_USER_AGENT": BROWSER, "HTTP_ORIGIN": "http://testserver"}
    first = send(url, data, **headers)
    second = send(url, data, **headers)
    assert first.status_code < 400, first.content[:200]
    assert second.status_code == 429
    assert second["Retry-After"] == "50"
    assert "no-store" in second["Cache-Control"]
