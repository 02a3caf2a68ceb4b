"""The page cache: anonymous readers share it, content changes and the clock invalidate it."""

from datetime import timedelta

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.utils import timezone

from articles import caching, hot
from articles.caching import cache_public_page, content_version, is_storable
from articles.counters import get_counter
from articles.models import Article
from articles.services import publishing
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_second_anonymous_read_is_served_from_the_cache_without_queries(
    client, django_assert_num_queries
):
    article = ArticleFactory()
    first = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_a_page_this_process_served_needs_no_cache_round_trip(client, monkeypatch):
    """A hot story is answered from the process's own copy, still keyed by version."""
    article = ArticleFactory()
    url = article.get_absolute_url()
    first = client.get(url)
    client.get(url)  # completed by the middleware, and kept by this process
    looked_up = []
    real_get = caching.cache.get
    monkeypatch.setattr(
        caching.cache, "get", lambda key, *a, **k: looked_up.append(key) or real_get(key, *a, **k)
    )
    again = client.get(url)
    assert again["X-Page-Cache"] == "hit" and again.content == first.content
    assert [key for key in looked_up if key.startswith("page:")] == []

    Article.objects.filter(pk=article.pk).update(title="更正后的标题")
    caching.bump_content_version()
    changed = client.get(url)
    assert changed["X-Page-Cache"] == "miss"
    assert "更正后的标题" in changed.content.decode()


def test_with_the_cache_switched_off_every_read_renders(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    article = ArticleFactory()
    statuses = [client.get(article.get_absolute_url())["X-Page-Cache"] for _ in range(3)]
    assert statuses == ["miss", "miss", "miss"]


def test_the_process_keeps_pages_within_a_memory_budget():
    pages = caching.LocalPages(budget_bytes=400)
    for number in range(10):
        pages.put(f"k{number}", (200, b"x" * 50))
    assert list(pages.entries) == [f"k{number}" for number in range(2, 10)]
    pages.put("k9", (200, b"y" * 20))  # the same key again replaces, not adds
    assert pages.used == 7 * 50 + 20 == sum(len(e[1]) for e in pages.entries.values())
    pages.put("huge", (200, b"x" * 51))  # more than an eighth of the budget
    assert pages.get("huge") is None and pages.get("k9") == (200, b"y" * 20)


def test_a_hit_carries_the_same_headers_as_the_page_when_it_was_stored(client):
    """PageCacheMiddleware answers before the stack, with the headers the stack added."""
    article = ArticleFactory()
    for url in (article.get_absolute_url(), f"/en{article.get_absolute_url()}", "/"):
        first, second = client.get(url), client.get(url)
        assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit"), url
        per_response = {"X-Page-Cache", "X-Request-ID", "Cache-Control", "Last-Modified"}
        assert {k: v for k, v in first.items() if k not in per_response} == {
            k: v for k, v in second.items() if k not in per_response
        }, url
        assert "Content-Security-Policy" in second and "X-Frame-Options" in second
    assert client.get(f"/en{article.get_absolute_url()}")["Content-Language"] == "en"
    assert client.get(article.get_absolute_url())["Content-Language"] == "zh-hans"


def test_a_hit_revalidated_by_etag_gets_a_bare_304(client):
    article = ArticleFactory()
    url = article.get_absolute_url()
    first = client.get(url)
    client.get(url)  # completed by the middleware: the next one is answered before the stack
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    assert "Content-Type" not in again and "Content-Security-Policy" in again


def test_shared_pages_say_how_long_a_cdn_may_keep_them(client):
    """public, max-age=0 (browsers revalidate), s-maxage no later than the minute's end."""
    article = ArticleFactory()
    for response in (client.get(article.get_absolute_url()), client.get("/")):
        control = response["Cache-Control"]
        assert "public" in control and "max-age=0" in control
        s_maxage = int(control.split("s-maxage=")[1].split(",")[0])
        assert 1 <= s_maxage <= 60
        assert "Accept-Language" in response["Vary"]
        assert response["ETag"].startswith('"') and response["Last-Modified"]


def test_conditional_requests_get_304(client):
    article = ArticleFactory()
    url = article.get_absolute_url()
    first = client.get(url)
    by_etag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert by_etag.status_code == 304 and by_etag.content == b""
    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_editors_bypass_the_cache(client, editor):
    article = ArticleFactory(title="旧标题")
    client.get(article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(title="新标题")  # no signal: cache not bumped
    client.force_login(editor)
    response = client.get(article.get_absolute_url())
    assert "新标题" in response.content.decode()
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]


def test_previews_and_message_carriers_bypass_the_cache(client):
    article = ArticleFactory(title="旧标题")
    client.get(article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(title="新标题")
    assert "旧标题" in client.get(article.get_absolute_url()).content.decode()
    assert "新标题" in client.get(article.get_absolute_url() + "?preview=1").content.decode()
    client.cookies[CookieStorage.cookie_name] = "x"
    assert "新标题" in client.get(article.get_absolute_url()).content.decode()


def test_any_save_of_an_article_shows_at_once(client, django_capture_on_commit_callbacks):
    """An edit anywhere (admin, import, shell) bumps the version after its commit."""
    article = ArticleFactory(title="旧标题")
    client.get(article.get_absolute_url())
    client.get("/")
    before = content_version()
    article.title = "改过的标题"
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    assert content_version() > before
    assert "改过的标题" in client.get(article.get_absolute_url()).content.decode()
    assert "改过的标题" in client.get("/").content.decode()


def test_publishing_workflow_invalidates_article_home_and_lists(
    client, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(title="将被撤下的新闻")
    assert "将被撤下的新闻" in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(article, editor)
    assert "将被撤下的新闻" not in client.get("/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_scheduled_article_appears_within_a_minute_with_nothing_running(client, monkeypatch):
    """No job runs at publish time: the next minute's keys simply render afresh."""
    now = timezone.now()
    ArticleFactory(title="定时发布的新闻", publish_at=now + timedelta(seconds=30))
    assert "定时发布的新闻" not in client.get("/").content.decode()
    later = now + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(caching.time, "time", lambda: later.timestamp())
    assert "定时发布的新闻" in client.get("/").content.decode()


def _view_with(make):
    @cache_public_page
    def view(request):
        return make(request)

    return view


@pytest.mark.parametrize(
    "make",
    [
        lambda request: HttpResponse(get_token(request)),
        lambda request: _with_cookie(HttpResponse("x")),
        lambda request: HttpResponse("x", status=404),
        lambda request: _private(HttpResponse("x")),
    ],
    ids=["csrf-token", "sets-cookie", "not-found", "private"],
)
def test_per_visitor_or_failed_responses_are_never_stored(make):
    request = RequestFactory().get("/some/page/")
    view = _view_with(make)
    view(request)
    again = view(RequestFactory().get("/some/page/"))
    assert "X-Page-Cache" not in again or again["X-Page-Cache"] == "miss"


def _with_cookie(response):
    response.set_cookie("k", "v")
    return response


def _private(response):
    response["Cache-Control"] = "private"
    return response


def test_is_storable_refuses_a_touched_session():
    request = RequestFactory().get("/")

    class Session:
        accessed = True

    request.session = Session()
    assert not is_storable(request, HttpResponse("x"))


def test_reads_show_flushed_plus_pending_on_the_page(client, settings, redis_url):
    """The displayed count adds what waits in Redis, so it never waits for a flush."""
    settings.REDIS_URL = redis_url
    article = ArticleFactory(view_count=100)
    for n in range(3):
        get_counter().record_read(article.pk, f"{n:032x}")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<span data-read-count>103</span>" in html


def test_hot_reads_rank_by_decayed_hourly_reads(settings, redis_url):
    settings.REDIS_URL = redis_url
    counter = get_counter()
    steady, burst, old = ArticleFactory(), ArticleFactory(), ArticleFactory()
    now = timezone.now()
    for n in range(6):
        counter.record_read(steady.pk, now=now.timestamp() - n * 3600)
    for _ in range(8):
        counter.record_read(burst.pk, now=now.timestamp())
    for _ in range(30):
        counter.record_read(old.pk, now=now.timestamp() - 30 * 3600)
    ranked = hot.rank_hot_reads(now, 10)
    # Read in the last day first (by decayed reads), the 30-hour-old burst after them.
    assert ranked == [burst, steady, old]


def test_hot_reads_fall_back_to_daily_rows_without_hourly_buckets(settings, redis_url):
    from articles.models import DailyReads

    settings.REDIS_URL = redis_url
    article = ArticleFactory()
    DailyReads.objects.create(article=article, day=timezone.localdate(), count=5)
    assert hot.rank_hot_reads(timezone.now(), 10) == [article]


def test_a_bump_in_another_process_shows_within_a_second(monkeypatch):
    """Each process remembers the version for a second, saving a round trip per page."""
    import time as real_time
    from types import SimpleNamespace

    from django.core.cache import cache

    version = content_version()
    cache.incr(caching.VERSION_KEY)  # what another worker's bump does
    assert content_version() == version
    later = real_time.monotonic() + caching.VERSION_MEMO_SECONDS + 0.1
    monkeypatch.setattr(
        caching, "time", SimpleNamespace(time=real_time.time, monotonic=lambda: later)
    )
    assert content_version() == version + 1


def test_a_lost_version_key_never_goes_back_to_an_old_number():
    from django.core.cache import cache

    caching.bump_content_version()
    before = content_version()
    cache.delete(caching.VERSION_KEY)  # evicted, or a cleared cache
    assert caching.bump_content_version() > before
