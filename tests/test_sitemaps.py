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


def test_a_large_archive_gets_an_index_paged_by_month_without_offset(client, monkeypatch):
    monkeypatch.setattr(sitemaps, "SINGLE_SITEMAP_MAX", 2)
    january = [ArticleFactory(publish_at=datetime(2025, 1, d, 9, tzinfo=CHINA)) for d in (1, 31)]
    # 1 February 00:30 in Beijing is still 31 January in UTC: months are Beijing months.
    february = ArticleFactory(publish_at=datetime(2025, 2, 1, 0, 30, tzinfo=CHINA))
    sections = locs(client.get("/sitemap.xml"), tag="sitemap")
    assert sections == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-regions.xml",
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-articles.xml?p=2",
        "http://testserver/sitemap-news.xml",
    ]
    with CaptureQueriesContext(connection) as queries:
        first_month = locs(client.get("/sitemap-articles.xml"))
    assert first_month == [f"http://testserver{a.get_absolute_url()}" for a in january]
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
    assert locs(client.get("/sitemap-articles.xml?p=2")) == [
        f"http://testserver{february.get_absolute_url()}"
    ]
    assert client.get("/sitemap-articles.xml?p=3").status_code == 404
    assert client.get("/sitemap-articles.xml?p=x").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


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
    """Size check, a count and a list per section (regions, articles), site settings: six."""
    ArticleFactory.create_batch(count)
    with django_assert_num_queries(6):
        client.get("/sitemap.xml")
