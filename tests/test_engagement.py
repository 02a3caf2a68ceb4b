"""Reader signals over HTTP: the read beacon, 支持 (likes), 举报 (reports) and visitor keys."""

import threading
from datetime import date

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from articles import visitors
from articles.counters import CounterUnavailable, get_counter
from articles.counters.tokens import page_token
from articles.models import Article, Like, Report
from tests.factories import ArticleFactory, DraftFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver", "HTTP_USER_AGENT": BROWSER}
JSON = {**SAME_ORIGIN, "HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _database_counter(settings):
    # These tests read counts back from the database; test_counters.py covers Redis.
    settings.REDIS_URL = ""


def beacon_url(article, token=None):
    token = page_token(article.pk) if token is None else token
    return f"{reverse('articles:beacon', args=[article.pk])}?t={token}"


def reads(article):
    article.refresh_from_db()
    return article.view_count


def reader(ua=BROWSER, ip="203.0.113.5"):
    return Client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip)


# --- the article page's block -----------------------------------------------------------


def test_article_page_shows_the_block_with_nothing_per_visitor(client):
    """阅读, 支持 and 举报 are on the page; no CSRF token, cookie or visitor state in it."""
    article = ArticleFactory(view_count=12_345, like_count=95)
    response = client.get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    html = response.content.decode()
    assert response.status_code == 200
    assert "阅读" in html and "1.2万" in html
    assert "95</span>人支持" in html
    assert reverse("articles:report", args=[article.pk]) in html
    assert f'data-read-beacon="{beacon_url(article)}"' in html.replace("&amp;", "&")
    assert "<noscript><img" in html and "nojs=1" in html
    assert "csrfmiddlewaretoken" not in html
    assert not response.cookies
    assert "js/engagement.js" in html and "<script>" not in html


def test_previews_and_drafts_get_no_beacon():
    from django.template.loader import render_to_string

    published, draft = ArticleFactory(), DraftFactory()
    html = render_to_string("articles/includes/engagement.html", {"article": published})
    assert "data-read-beacon" in html and "nojs" in html
    html = render_to_string("articles/includes/engagement.html", {"article": draft})
    assert "data-read-beacon" not in html and "nojs" not in html


# --- the beacon -----------------------------------------------------------------------------


def test_beacon_counts_a_read_once_per_visitor_within_30_minutes():
    article = ArticleFactory()
    one, other = reader(ip="203.0.113.5"), reader(ip="203.0.113.6")
    assert one.post(beacon_url(article)).status_code == 204
    assert one.post(beacon_url(article)).status_code == 204
    assert other.post(beacon_url(article)).status_code == 204
    assert reads(article) == 2


def test_noscript_pixel_counts_and_answers_an_uncacheable_gif():
    article = ArticleFactory()
    response = reader().get(beacon_url(article) + "&nojs=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert "no-store" in response["Cache-Control"]
    assert reads(article) == 1


@pytest.mark.parametrize(
    "token",
    ["", "nonsense", page_token(999_999), f"{int(1e9) // 3600}.0000"],
    ids=["missing", "malformed", "other-article", "expired"],
)
def test_beacon_without_the_page_token_is_refused(token):
    article = ArticleFactory()
    url = reverse("articles:beacon", args=[article.pk]) + (f"?t={token}" if token else "")
    assert reader().post(url).status_code == 403
    assert reads(article) == 0


@pytest.mark.parametrize(
    "ua",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (compatible; Bytespider)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0",
        "curl/8.5.0",
        "python-requests/2.32",
        "",
    ],
)
def test_crawlers_and_scripts_are_not_counted(ua):
    article = ArticleFactory()
    assert reader(ua=ua).post(beacon_url(article)).status_code == 204
    assert reads(article) == 0


def test_beacon_is_rate_limited_per_address(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "beacon": (3, 60)}
    articles = ArticleFactory.create_batch(4)
    client = reader()
    codes = [client.post(beacon_url(a)).status_code for a in articles]
    assert codes == [204, 204, 204, 429]
    refused = client.post(beacon_url(articles[0]))
    assert int(refused["Retry-After"]) >= 1
    assert sum(reads(a) for a in articles) == 3


def test_beacon_answers_503_when_the_counter_is_down(monkeypatch):
    article = ArticleFactory()

    def down(*args, **kwargs):
        raise CounterUnavailable("down")

    monkeypatch.setattr(type(get_counter()), "record_read", down)
    response = reader().post(beacon_url(article))
    assert response.status_code == 503 and response["Retry-After"]


def test_beacon_is_off_when_counting_is_switched_off(settings, client):
    settings.READ_COUNTING = False
    article = ArticleFactory()
    assert reader().post(beacon_url(article)).status_code == 204
    assert reads(article) == 0
    html = client.get(article.get_absolute_url()).content.decode()
    assert "data-read-beacon" not in html


def test_beacon_runs_no_query_before_counting(django_assert_num_queries):
    """Token, bot filter and rate limit need no database; counting is one transaction."""
    article = ArticleFactory()
    client = reader()
    # The database counter: the total's F() update and the day row's upsert, in one
    # transaction (a savepoint and its release inside the test's transaction).
    with django_assert_num_queries(4):
        client.post(beacon_url(article))
    with django_assert_num_queries(0):
        client.post(beacon_url(article))  # deduped in the cache


# --- likes ------------------------------------------------------------------------------------


def test_like_with_fetch_updates_the_count_and_is_idempotent():
    article = ArticleFactory(like_count=95)
    client = reader()
    url = reverse("articles:like", args=[article.pk])
    first = client.post(url, **JSON)
    assert first.status_code == 200
    assert first.json() == {"liked": True, "created": True, "count": 96, "display": "96"}
    second = client.post(url, **JSON)
    assert second.json()["created"] is False and second.json()["count"] == 96
    assert Like.objects.filter(article=article).count() == 1
    assert visitors.COOKIE_NAME in first.cookies


def test_plain_form_like_redirects_back_and_shows_the_new_count():
    """Without JavaScript the reader lands on the article, freshly rendered, with 感谢支持."""
    article = ArticleFactory()
    client = reader()
    client.get(article.get_absolute_url())  # the page is now in the cache with 0 likes
    response = client.post(reverse("articles:like", args=[article.pk]), **SAME_ORIGIN)
    assert response.status_code == 303
    assert response["Location"] == f"{article.get_absolute_url()}#engagement"
    html = client.get(article.get_absolute_url()).content.decode()
    assert "感谢支持" in html
    assert "1</span>人支持" in html


def test_like_cookie_keeps_one_like_per_visitor_across_days(monkeypatch):
    article = ArticleFactory()
    client = reader()
    url = reverse("articles:like", args=[article.pk])
    client.post(url, **JSON)
    # A new day gives a new address hash, but the signed cookie keeps the same key.
    monkeypatch.setattr(visitors.timezone, "localdate", lambda: date(2030, 1, 1))
    assert client.post(url, **JSON).json()["created"] is False


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_REFERER": "https://evil.example/page"},
        {"HTTP_ORIGIN": "null"},
    ],
    ids=["no-origin", "cross-origin", "fetch-metadata", "referer", "null-origin"],
)
def test_like_from_another_site_is_refused(headers):
    """The CSRF check: a POST not coming from this site's own pages changes nothing."""
    article = ArticleFactory()
    response = reader().post(reverse("articles:like", args=[article.pk]), **headers)
    assert response.status_code == 403
    assert not Like.objects.exists()


def test_like_accepts_fetch_metadata_and_referer_from_this_site():
    article = ArticleFactory()
    url = reverse("articles:like", args=[article.pk])
    assert reader(ip="10.0.0.1").post(url, HTTP_SEC_FETCH_SITE="same-origin").status_code == 303
    referer = {"HTTP_REFERER": f"http://testserver{article.get_absolute_url()}"}
    assert reader(ip="10.0.0.2").post(url, **referer).status_code == 303
    assert Like.objects.count() == 2


def test_like_needs_post_and_a_published_article(client):
    article, draft = ArticleFactory(), DraftFactory()
    assert client.get(reverse("articles:like", args=[article.pk])).status_code == 405
    response = client.post(reverse("articles:like", args=[draft.pk]), **SAME_ORIGIN)
    assert response.status_code == 404


def test_likes_do_not_invalidate_the_page_cache():
    """A reader must not be able to empty everybody's page cache by liking."""
    from articles.caching import content_version

    article = ArticleFactory()
    before = content_version()
    reader().post(reverse("articles:like", args=[article.pk]), **JSON)
    assert content_version() == before


def test_like_query_count(django_assert_num_queries):
    article = ArticleFactory()
    client = reader()
    url = reverse("articles:like", args=[article.pk])
    # The article; in a transaction: a savepoint around the insert, the count update; then
    # the count read back (savepoints and releases counted, as the test runs in a transaction).
    with django_assert_num_queries(8):
        client.post(url, **JSON)


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_are_counted_exactly(postgres):
    """Many visitors at once each add one; one visitor clicking many times adds one."""
    from articles.likes import add_like

    article = ArticleFactory()
    keys = [f"{n:032x}" for n in range(10)] + ["f" * 32] * 10
    errors = []

    def like(key):
        try:
            add_like(article.pk, key)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=like, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    article.refresh_from_db()
    assert article.like_count == 11 == Like.objects.filter(article=article).count()


# --- reports ----------------------------------------------------------------------------------


def test_report_form_offers_the_reasons_readers_expect(client):
    article = ArticleFactory()
    response = client.get(reverse("articles:report", args=[article.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("谣言", "侵权", "色情低俗", "广告", "其他"):
        assert label in html
    assert "csrfmiddlewaretoken" in html
    assert "no-cache" in response["Cache-Control"]


def test_filed_report_lands_in_the_queue_without_the_readers_address():
    article = ArticleFactory()
    client = reader(ip="198.51.100.77")
    response = client.post(
        reverse("articles:report", args=[article.pk]),
        {"reason": "rumour", "detail": "  与官方通报不符  "},
    )
    assert response.status_code == 303
    report = Report.objects.get()
    assert (report.reason, report.detail, report.status) == ("rumour", "与官方通报不符", "open")
    assert "198.51.100.77" not in report.visitor_key and len(report.visitor_key) == 32
    html = client.get(article.get_absolute_url()).content.decode()
    assert "举报已收到" in html


def test_resubmitting_the_same_report_files_it_once():
    article = ArticleFactory()
    client = reader()
    for _ in range(2):
        client.post(reverse("articles:report", args=[article.pk]), {"reason": "spam"})
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "data", [{}, {"reason": "lies"}, {"reason": "other", "detail": "x" * 1001}]
)
def test_bad_report_is_a_form_error_not_a_record(data):
    article = ArticleFactory()
    response = reader().post(reverse("articles:report", args=[article.pk]), data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Report.objects.exists()


def test_reports_are_rate_limited_per_visitor(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": (2, 600)}
    articles = ArticleFactory.create_batch(3)
    client = reader()
    codes = [
        client.post(reverse("articles:report", args=[a.pk]), {"reason": "spam"}).status_code
        for a in articles
    ]
    assert codes == [303, 303, 429]
    assert Report.objects.count() == 2


def test_report_on_unpublished_article_is_404(client):
    draft = DraftFactory()
    assert client.get(reverse("articles:report", args=[draft.pk])).status_code == 404


# --- visitor keys -----------------------------------------------------------------------------


def test_visitor_key_is_a_daily_salted_hash_never_the_address(monkeypatch):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT=BROWSER)
    today = visitors.address_key(request)
    assert "203.0.113.9" not in today and len(today) == 32
    assert visitors.address_key(request, day=date(2030, 1, 2)) != today
    other_browser = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="X")
    assert visitors.address_key(other_browser) != today


def test_forged_visitor_cookie_is_ignored():
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT=BROWSER)
    request.COOKIES[visitors.COOKIE_NAME] = "a" * 32 + ".0123456789abcdef"
    assert visitors.visitor_key(request) == visitors.address_key(request)


def test_articles_table_is_untouched_by_reads_of_deleted_articles():
    article = ArticleFactory()
    url = beacon_url(article)
    Article.objects.filter(pk=article.pk).delete()
    assert reader().post(url).status_code == 204


# --- the WSGI fast path ---------------------------------------------------------------------


def wsgi_call(app, path, method="POST", query="", ua=BROWSER, ip="203.0.113.5"):
    import io

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": ip,
        "HTTP_USER_AGENT": ua,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_wsgi_fast_path_counts_like_the_view_and_passes_everything_else_on():
    """The beacon answered before Django's middleware follows the same rules as the view."""
    from articles.counters.wsgi import BeaconFastPath

    def django_app(environ, start_response):
        start_response("200 OK", [])
        return [b"django"]

    app = BeaconFastPath(django_app)
    article = ArticleFactory()
    path = reverse("articles:beacon", args=[article.pk])
    query = f"t={page_token(article.pk)}"
    assert wsgi_call(app, path, query=query)[0] == "204 No Content"
    assert wsgi_call(app, path, query=query)[0] == "204 No Content"  # same visitor
    status, headers, body = wsgi_call(app, path, "GET", query + "&nojs=1", ip="203.0.113.6")
    assert (status, headers["Content-Type"], body[:4]) == ("200 OK", "image/gif", b"GIF8")
    assert headers["Cache-Control"] == "no-store"
    assert wsgi_call(app, path, query=query, ua="curl/8.5")[0] == "204 No Content"
    assert wsgi_call(app, path, query="t=bad")[0] == "403 Forbidden"
    assert reads(article) == 2
    assert wsgi_call(app, "/", "GET")[2] == b"django"
    assert wsgi_call(app, path + "x/", query=query)[2] == b"django"


def test_wsgi_fast_path_answers_429_with_retry_after(settings):
    from articles.counters.wsgi import BeaconFastPath

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "beacon": (1, 60)}
    app = BeaconFastPath(lambda environ, start_response: [])
    first, second = ArticleFactory(), ArticleFactory()
    for article, expected in ((first, "204 No Content"), (second, "429 Too Many Requests")):
        path = reverse("articles:beacon", args=[article.pk])
        status, headers, _body = wsgi_call(app, path, query=f"t={page_token(article.pk)}")
        assert status == expected
    assert int(headers["Retry-After"]) >= 1
