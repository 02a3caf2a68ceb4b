"""Home and the article lists: what each shows, keyset paging, Chinese URLs, query counts."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.caching import bump_content_version
from articles.models import Article, Region
from articles.paging import cursor_for
from tests import reader_data
from tests.factories import (
    ArticleFactory,
    ArticlePhotoFactory,
    AuthorFactory,
    DailyReadsFactory,
    DraftFactory,
    PhotoFactory,
    PhotographerFactory,
)

pytestmark = pytest.mark.django_db


def article_links(html):
    """The article URLs a page links to, in order, with repeats."""
    return re.findall(r'href="(/a/\d+/[^"]*)"', html)


def titles(response):
    return re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


def aged(n, **fields):
    """n listed articles, the first the newest, a minute apart."""
    now = timezone.now()
    return [ArticleFactory(publish_at=now - timedelta(minutes=i + 1), **fields) for i in range(n)]


# --- home ---------------------------------------------------------------------------


def test_home_shows_a_lead_the_latest_and_province_blocks_each_article_once(client):
    """Lead, latest, province blocks and both sidebars together never repeat an article."""
    stories = aged(30)
    stories[3].lead_photo = PhotoFactory()
    stories[3].save()
    for story in stories:
        DailyReadsFactory(article=story, count=1000)
        Article.objects.filter(pk=story.pk).update(
            recommended_until=timezone.now() + timedelta(hours=1)
        )
    html = client.get("/").content.decode()
    lead = re.search(r'<section class="lead-story".*?</section>', html, re.S)[0]
    assert stories[3].title in lead, "the newest story with a photo leads"
    links = article_links(html)
    assert len(links) == len(set(links)) >= 30 - 1
    assert "热门导读" in html and "热点推荐" in html
    assert 'class="province-block"' in html


def test_home_leaves_out_drafts_scheduled_and_retracted_articles(client):
    ArticleFactory(title="已发布")
    DraftFactory(title="草稿")
    ArticleFactory(title="定时", publish_at=timezone.now() + timedelta(hours=1))
    ArticleFactory(title="撤稿", retracted_at=timezone.now(), retraction_reason="有误")
    html = client.get("/").content.decode()
    assert "已发布" in html
    assert "草稿" not in html and "定时" not in html and "撤稿" not in html


def test_footer_shows_the_operators_icp_and_news_licence_numbers(client, settings):
    settings.SITE_ICP_NUMBER = "浙ICP备12345678号"
    settings.SITE_NEWS_LICENSE_NUMBER = "33120230001"
    footer = re.search(r"<footer.*</footer>", client.get("/").content.decode(), re.S)[0]
    assert 'href="https://beian.miit.gov.cn/"' in footer and "浙ICP备12345678号" in footer
    assert "互联网新闻信息服务许可证：33120230001" in footer


def test_home_with_no_articles_still_renders(client):
    response = client.get("/")
    assert response.status_code == 200 and "暂无文章" in response.content.decode()


@pytest.mark.parametrize("count", [5, 40], ids=["few", "many"])
def test_home_query_count_does_not_grow_with_the_archive(client, django_assert_num_queries, count):
    """Site settings, newest articles, province blocks, hot reads, recommended: five."""
    for story in aged(count, lead_photo=PhotoFactory()):
        DailyReadsFactory(article=story)
    with django_assert_num_queries(5):
        assert client.get("/").status_code == 200


# --- latest and keyset paging -------------------------------------------------------


def test_latest_pages_by_keyset_with_stable_cursor_urls_and_no_offset(client, monkeypatch):
    reader_data.freeze_cache_minute(monkeypatch)
    stories = aged(45)
    first = client.get("/latest/")
    assert titles(first) == [s.title for s in stories[:20]]
    older = re.search(r'href="\?(before=[\d-]+)" rel="next"', first.content.decode())[1]
    assert older == f"before={cursor_for(stories[19])}"

    with CaptureQueriesContext(connection) as queries:
        second = client.get(f"/latest/?{older}")
    assert titles(second) == [s.title for s in stories[20:40]]
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)

    # A new story does not shift what a cursor page lists: its URL is stable.
    ArticleFactory(title="刚刚发布")
    bump_content_version()
    assert titles(client.get(f"/latest/?{older}")) == [s.title for s in stories[20:40]]

    newer = re.search(r'href="\?(after=[\d-]+)" rel="prev"', second.content.decode())[1]
    back = client.get(f"/latest/?{newer}")
    assert titles(back) == [s.title for s in stories[:20]]


def test_articles_published_in_the_same_microsecond_are_neither_lost_nor_repeated(client):
    moment = timezone.now() - timedelta(hours=1)
    stories = [ArticleFactory(publish_at=moment) for _ in range(25)]
    first = client.get("/latest/").content.decode()
    older = re.search(r'href="\?(before=[\d-]+)" rel="next"', first)[1]
    seen = article_links(first) + article_links(client.get(f"/latest/?{older}").content.decode())
    assert len(seen) == len(set(seen)) == len(stories)


@pytest.mark.parametrize(
    "query",
    [
        "before=abc",
        "before=1-2-3",
        "after=99999999999999999-1",
        "before=1-1&after=1-1",
        "before=1-1",
    ],
    ids=["letters", "extra-part", "overflow", "both", "empty-page"],
)
def test_bad_or_empty_cursor_pages_are_404_not_500(client, query):
    ArticleFactory()
    assert client.get(f"/latest/?{query}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/latest/?after=1-9999999999999999999",
        "/latest/?before=99999999999999999-9999999999999999999",
        "/a/99999999999999999999999/",
        f"/region/{quote(chr(0))}/",
        f"/tag/{quote('标签' + chr(0))}/",
    ],
    ids=["huge-id-after", "far-future-before", "huge-article-id", "nul-region", "nul-tag"],
)
def test_out_of_range_input_is_never_a_server_error(client, url):
    ArticleFactory()
    assert client.get(url).status_code in (200, 301, 404)


def test_latest_query_count_is_the_same_on_a_deep_page(
    client, django_assert_num_queries, monkeypatch
):
    reader_data.freeze_cache_minute(monkeypatch)
    stories = aged(50)
    client.get("/latest/")  # warms site settings and the sidebars
    with django_assert_num_queries(1):
        client.get(f"/latest/?before={cursor_for(stories[5])}")
    with django_assert_num_queries(1):
        client.get(f"/latest/?before={cursor_for(stories[40])}")


# --- region, tag, author ------------------------------------------------------------


def test_a_province_page_includes_its_cities_articles(client):
    ningbo = Region.objects.get(slug="ningbo")
    wenzhou = Region.objects.get(slug="wenzhou")
    city_story = ArticleFactory(title="宁波的新闻", dateline_region=ningbo)
    province_story = ArticleFactory(title="浙江的新闻", dateline_region=ningbo.parent)
    other = ArticleFactory(title="别省的新闻", dateline_region=Region.objects.get(slug="jinan"))
    html = client.get("/region/zhejiang/").content.decode()
    assert city_story.title in html and province_story.title in html
    assert other.title not in html
    assert 'href="/region/wenzhou/"' in html, "the province page lists its cities"
    city_page = client.get("/region/ningbo/").content.decode()
    assert city_story.title in city_page and province_story.title not in city_page
    assert wenzhou.name not in re.search(r"<main.*</main>", city_page, re.S)[0]


def test_a_region_can_be_reached_by_its_chinese_name(client):
    assert client.get(f"/region/{quote('浙江')}/")["Location"] == "/region/zhejiang/"
    assert client.get(f"/region/{quote('温州市')}/")["Location"] == "/region/wenzhou/"
    assert client.get(f"/region/{quote('不存在')}/").status_code == 404


def test_tag_pages_work_with_chinese_slugs(client):
    story = ArticleFactory(tag_names=["人工智能"])
    other = ArticleFactory(tag_names=["港口"])
    response = client.get(f"/tag/{quote('人工智能')}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert story.title in html and other.title not in html
    assert "<h1>标签：人工智能</h1>" in html
    assert client.get(f"/tag/{quote('没有这个标签')}/").status_code == 404


def test_a_tag_reached_by_its_name_redirects_to_its_slug(client):
    """The tag "AI 浙江" has the slug "ai-浙江": its name in a URL answers 301 to the slug."""
    story = ArticleFactory(tag_names=["AI 浙江"])
    tag = story.tags.get()
    response = client.get(f"/tag/{quote('AI 浙江')}/")
    assert response.status_code == 301
    assert response["Location"] == tag.get_absolute_url() == f"/tag/{quote('ai-浙江')}/"


def test_author_page_lists_bylines_and_photo_credits(client):
    photographer = PhotographerFactory(name="王斌")
    byline = ArticleFactory(title="署名的稿件", bylines=[photographer])
    lead = ArticleFactory(title="题图的稿件", lead_photo=PhotoFactory(photographer=photographer))
    inline = ArticlePhotoFactory(
        article=ArticleFactory(title="正文图片的稿件"),
        photo=PhotoFactory(photographer=photographer),
    ).article
    ArticleFactory(title="别人的稿件")
    response = client.get(photographer.get_absolute_url())
    assert set(titles(response)) == {byline.title, lead.title, inline.title}


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/latest/", 4),  # site settings, articles, 2 sidebars
        ("/region/zhejiang/", 6),  # + the region and its cities
        (f"/tag/{quote('港口')}/", 5),  # + the tag
        ("/author/chen/", 5),  # + the author
    ],
    ids=["latest", "region", "tag", "author"],
)
@pytest.mark.parametrize("count", [3, 30], ids=["few", "many"])
def test_list_query_counts_are_pinned_and_do_not_grow(
    client, django_assert_num_queries, url, queries, count
):
    author = AuthorFactory(slug="chen")
    for story in aged(count, dateline_region=Region.objects.get(slug="ningbo"), bylines=[author]):
        story.tags.add("港口", "数字经济")
        story.lead_photo = PhotoFactory(photographer=author)
        story.save()
        DailyReadsFactory(article=story)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_list_pages_carry_feeds_canonical_and_structured_data(client, settings):
    ArticleFactory(tag_names=["港口"])
    html = client.get(f"/tag/{quote('港口')}/").content.decode()
    assert f'<link rel="canonical" href="{settings.SITE_URL}/tag/{quote("港口")}/">' in html
    assert 'type="application/rss+xml"' in html and 'type="application/atom+xml"' in html
    assert '"@type": "ItemList"' in html and '"@type": "BreadcrumbList"' in html
