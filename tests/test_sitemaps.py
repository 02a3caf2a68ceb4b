"""sitemap.xml, its index for large archives, the Google News sitemap and robots.txt."""

from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import sitemaps
from articles.text import CHINA
from tests.factories import ArticleFactory, DraftFactory

pytestmark = pytest.mark.django_db

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def parse(xml):
    return ElementTree.fromstring(xml)  # noqa: S314 - our own server's response


def locs(response, tag="url"):
    assert response.status_code == 200
    root = parse(response.content)
    return [e.findtext("sm:loc", namespaces=NS) for e in root.findall(f"sm:{tag}", NS)]


def test_a_small_site_has_one_urlset_with_pages_provinces_and_articles(client):
    story = ArticleFactory()
    draft = DraftFactory()
    retracted = ArticleFactory(retracted_at=timezone.now(), retraction_reason="有误")
    urls = locs(client.get("/sitemap.xml"))
    assert "http://testserver/" in urls and "http://testserver/latest/" in urls
    assert "http://testserver/region/zhejiang/" in urls
    assert f"http://testserver{story.get_absolute_url()}" in urls
    assert not any(f"/a/{a.pk}/" in u for a in (draft, retracted) for u in urls)


def test_a_large_archive_gets_an_index_of_weeks_without_offset(client, monkeypatch):
    """Past the single-urlset size the index lists Beijing-time weeks from oldest to newest."""
    monkeypatch.setattr(sitemaps, "SINGLE_SITEMAP_MAX", 2)
    # Monday 6 January 2025 and Sunday 12 January: one week.
    first_week = [ArticleFactory(publish_at=datetime(2025, 1, d, 9, tzinfo=CHINA)) for d in (6, 12)]
    # Monday 20 January 00:30 in Beijing is still Sunday in UTC: weeks are Beijing weeks.
    third_week = ArticleFactory(publish_at=datetime(2025, 1, 20, 0, 30, tzinfo=CHINA))
    DraftFactory(publish_at=datetime(2024, 1, 1, 9, tzinfo=CHINA))
    sections = locs(client.get("/sitemap.xml"), tag="sitemap")
    assert sections == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-regions.xml",
        "http://testserver/sitemap-articles.xml?week=2025-01-06",
        "http://testserver/sitemap-articles.xml?week=2025-01-13",
        "http://testserver/sitemap-articles.xml?week=2025-01-20",
        "http://testserver/sitemap-news.xml",
    ]
    with CaptureQueriesContext(connection) as queries:
        first = locs(client.get("/sitemap-articles.xml?week=2025-01-06"))
    assert first == [f"http://testserver{a.get_absolute_url()}" for a in first_week]
    assert len(queries) == 1 and "OFFSET" not in queries.captured_queries[0]["sql"].upper()
    assert locs(client.get("/sitemap-articles.xml?week=2025-01-13")) == []
    assert locs(client.get("/sitemap-articles.xml?week=2025-01-20")) == [
        f"http://testserver{third_week.get_absolute_url()}"
    ]
    assert "http://testserver/" in locs(client.get("/sitemap-pages.xml"))
    assert "http://testserver/region/zhejiang/" in locs(client.get("/sitemap-regions.xml"))
    for bad in ("", "?week=2025-01-07", "?week=x", "?week=2025-13-01"):
        assert client.get(f"/sitemap-articles.xml{bad}").status_code == 404, bad
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_sitemap_urls_match_the_articles_own_urls_escaped(client):
    """Slugs with Chinese, spaces or XML specials come out as get_absolute_url() does."""
    odd = [
        ArticleFactory(slug="港口-吞吐量"),
        ArticleFactory(slug="a&b"),
        ArticleFactory(title="x", slug=""),
    ]
    Article = type(odd[0])
    Article.objects.filter(pk=odd[2].pk).update(slug="")
    odd[2].slug = ""
    urls = locs(client.get("/sitemap.xml"))
    for article in odd:
        assert f"http://testserver{article.get_absolute_url()}" in urls


def test_news_sitemap_lists_the_last_48_hours_with_publication_details(client, settings):
    fresh = ArticleFactory(title="新闻<标题>&更多")
    ArticleFactory(publish_at=timezone.now() - timedelta(hours=49))
    root = parse(client.get("/sitemap-news.xml").content)
    entries = root.findall("sm:url", NS)
    assert len(entries) == 1
    news = entries[0].find("news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == settings.SITE_NAME
    assert news.findtext("news:publication/news:language", namespaces=NS) == "zh-cn"
    assert news.findtext("news:title", namespaces=NS) == fresh.title
    assert news.findtext("news:publication_date", namespaces=NS).endswith("+08:00")


def test_robots_txt_points_at_the_sitemaps(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert "User-agent: *" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Sitemap: http://testserver/sitemap-news.xml" in body


@pytest.mark.parametrize("count", [3, 30], ids=["few", "many"])
def test_sitemap_query_count_is_fixed(client, django_assert_num_queries, count):
    """The articles (which also tell a small site from a large one) and the regions: two."""
    ArticleFactory.create_batch(count)
    with django_assert_num_queries(2):
        client.get("/sitemap.xml")


def test_large_sitemap_index_and_sections_take_few_queries(
    client, django_assert_num_queries, monkeypatch
):
    """The index: the size probe and the first and last publish times; a week: one query."""
    monkeypatch.setattr(sitemaps, "SINGLE_SITEMAP_MAX", 2)
    for day in (6, 7, 8, 15):
        ArticleFactory(publish_at=datetime(2025, 1, day, 9, tzinfo=CHINA))
    with django_assert_num_queries(2):
        assert len(locs(client.get("/sitemap.xml"), tag="sitemap")) == 5
    with django_assert_num_queries(1):
        assert len(locs(client.get("/sitemap-articles.xml?week=2025-01-06"))) == 3
