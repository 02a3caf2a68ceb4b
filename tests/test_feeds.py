"""RSS 2.0 and Atom feeds for the site, regions, tags and authors."""

from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles.models import Region
from tests.factories import ArticleFactory, AuthorFactory, DraftFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(xml):
    return ElementTree.fromstring(xml)  # noqa: S314 - our own server's response


def rss_items(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = parse(response.content).find("channel")
    return channel, channel.findall("item")


def test_site_feed_lists_listed_articles_newest_first_with_authors_and_tags(client):
    reporter = AuthorFactory(name="邵燕飞")
    older = ArticleFactory(publish_at=timezone.now() - timezone.timedelta(hours=3))
    newest = ArticleFactory(bylines=[reporter], tag_names=["人工智能"], summary="导语一句。")
    DraftFactory()
    ArticleFactory(retracted_at=timezone.now(), retraction_reason="有误")
    channel, items = rss_items(client.get("/feed/"))
    assert channel.findtext("language") == "zh-cn"
    assert [i.findtext("title") for i in items] == [newest.title, older.title]
    first = items[0]
    assert first.findtext("link").endswith(newest.get_absolute_url())
    assert first.findtext("description") == "导语一句。"
    assert first.findtext("{http://purl.org/dc/elements/1.1/}creator") == "邵燕飞"
    assert first.findtext("category") == "人工智能"
    assert first.findtext("pubDate")


def test_atom_feed_has_entries_with_updated_times(client):
    story = ArticleFactory()
    response = client.get("/feed/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = parse(response.content)
    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == story.title
    assert entry.findtext(f"{ATOM}updated") and entry.findtext(f"{ATOM}published")


def test_region_tag_and_author_feeds_narrow_the_list(client):
    ningbo = Region.objects.get(slug="ningbo")
    reporter = AuthorFactory(slug="reporter-a")
    in_city = ArticleFactory(dateline_region=ningbo, tag_names=["港口"], bylines=[reporter])
    elsewhere = ArticleFactory(dateline_region=Region.objects.get(slug="jinan"))
    for url in (
        "/region/zhejiang/feed/",
        "/region/ningbo/feed/",
        f"/tag/{quote('港口')}/feed/",
        "/author/reporter-a/feed/",
    ):
        _channel, items = rss_items(client.get(url))
        assert [i.findtext("title") for i in items] == [in_city.title], url
    assert client.get("/region/zhejiang/feed/atom/").status_code == 200
    assert elsewhere.title in client.get("/feed/").content.decode()


def test_unknown_feed_objects_are_404(client):
    for url in ("/region/nowhere/feed/", f"/tag/{quote('无')}/feed/", "/author/nobody/feed/"):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("count", [2, 30], ids=["few", "many"])
def test_feed_query_count_is_fixed(client, django_assert_num_queries, count):
    """Site settings, articles, bylines, tags: four, however long the feed."""
    for _ in range(count):
        ArticleFactory(tag_names=["港口", "航运"], bylines=[AuthorFactory(), AuthorFactory()])
    with django_assert_num_queries(4):
        client.get("/feed/")
