"""The /search/ page: results, highlighting, filters, order, pages, rate limit, queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles.models import Region
from articles.search import engine, views
from articles.search.documents import refresh_documents
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
URL = reverse("articles:search")


def indexed(*articles):
    refresh_documents(a.pk for a in articles)
    return articles


@pytest.fixture
def wenzhou():
    return Region.objects.get(slug="wenzhou")


def test_results_are_highlighted_and_the_box_keeps_the_query(client):
    (article,) = indexed(ArticleFactory(title="温州数安港发布数据交易新规则"))
    response = client.get(URL, {"q": "數安港"})
    html = response.content.decode()
    assert response.status_code == 200
    assert article.get_absolute_url() in html
    assert "<mark>数安港</mark>" in html
    assert 'value="數安港"' in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_titles_and_queries_are_escaped(client):
    indexed(ArticleFactory(title="<script>alert(1)</script>温州新闻"))
    html = client.get(URL, {"q": '温州"><script>alert</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<script>alert</script>" not in html
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)&lt;/<mark>script</mark>&gt;" in html


def test_a_title_hit_comes_before_a_body_hit(client):
    body_hit, title_hit = indexed(
        ArticleFactory(title="一条新闻", body="<p>正文提到高铁。</p>"),
        ArticleFactory(title="成渝高铁开通", publish_at=timezone.now() - timedelta(days=200)),
    )
    response = client.get(URL, {"q": "高铁"})
    assert [r.article.pk for r in response.context["results"]] == [title_hit.pk, body_hit.pk]


def test_newest_first_on_request(client):
    old, new = indexed(
        ArticleFactory(title="防汛演练", publish_at=timezone.now() - timedelta(days=9)),
        ArticleFactory(title="一条消息", summary="防汛物资到位。"),
    )
    response = client.get(URL, {"q": "防汛", "order": "new"})
    assert [r.article.pk for r in response.context["results"]] == [new.pk, old.pk]


def test_filters_by_province_city_tag_and_dates(client, wenzhou):
    hangzhou = Region.objects.get(slug="hangzhou")
    in_wenzhou, in_hangzhou, tagged, old = indexed(
        ArticleFactory(title="乡村振兴在温州", dateline_region=wenzhou),
        ArticleFactory(title="乡村振兴在杭州", dateline_region=hangzhou),
        ArticleFactory(title="乡村振兴有新招", tag_names=["农业"]),
        ArticleFactory(title="乡村振兴旧闻", publish_at=timezone.now() - timedelta(days=400)),
    )

    def ids(**params):
        response = client.get(URL, {"q": "乡村振兴", **params})
        assert response.status_code == 200
        return {r.article.pk for r in response.context["results"]}

    assert ids(region="zhejiang") == {in_wenzhou.pk, in_hangzhou.pk}
    assert ids(region="wenzhou") == {in_wenzhou.pk}
    assert ids(tag="农业") == {tagged.pk}
    recent = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert old.pk not in ids(date_from=recent)
    assert ids(date_to=(timezone.localdate() - timedelta(days=300)).isoformat()) == {old.pk}


def test_unknown_filters_and_reversed_dates_are_form_errors(client):
    html = client.get(
        URL, {"q": "温州", "region": "atlantis", "date_from": "2026-05-01", "date_to": "2026-01-01"}
    ).content.decode()
    assert "没有这个地区。" in html
    assert "截止日期不能早于起始日期。" in html


def test_pages_keep_the_query_and_filters(client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    indexed(*ArticleFactory.create_batch(5, title="高考护考通道"))
    response = client.get(URL, {"q": "高考", "order": "new", "page": "2"})
    html = response.content.decode()
    assert response.context["page"].number == 2
    assert len(response.context["results"]) == 2
    assert "q=%E9%AB%98%E8%80%83&amp;order=new&amp;page=3" in html


def test_the_window_caps_results_and_says_so(client, monkeypatch):
    monkeypatch.setattr(engine, "WINDOW", 3)
    monkeypatch.setattr(views, "WINDOW", 3)
    indexed(*ArticleFactory.create_batch(4, title="台风过境"))
    response = client.get(URL, {"q": "台风"})
    assert response.context["capped"]
    assert "最新 3 篇里最相关的" in response.content.decode()


def test_search_is_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": (2, 60)}
    assert client.get(URL, {"q": "一"}).status_code == 200
    assert client.get(URL, {"q": "二"}).status_code == 200
    refused = client.get(URL, {"q": "三"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1


# Provinces, ranked ids and the page's articles, plus on SQLite the listed() check; on
# PostgreSQL the ranked ids are a savepoint, SET LOCAL, one statement (its three widening
# stretches and the listed() check included) and release.
EXPECTED_QUERIES = {"postgresql": 6, "sqlite": 4}


def test_query_count_is_fixed_whatever_the_number_of_results(
    client, django_assert_num_queries, wenzhou
):
    """A fixed number of queries, with the sidebars cached: twenty results cost what two do."""
    indexed(*ArticleFactory.create_batch(2, title="温州鞋企订单回暖", dateline_region=wenzhou))
    client.get(URL, {"q": "鞋企"})  # warm the sidebar caches
    indexed(*ArticleFactory.create_batch(20, title="温州鞋企出口增长", dateline_region=wenzhou))
    with django_assert_num_queries(EXPECTED_QUERIES[connection.vendor]):
        response = client.get(URL, {"q": "温州 鞋企", "page": "1", "x": "1"})
    assert len(response.context["results"]) == 20
