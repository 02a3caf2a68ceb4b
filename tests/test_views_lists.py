"""Home and the article lists: what each shows, keyset paging, Chinese URLs, query counts."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import hot
from articles.caching import bump_content_version
from articles.models import Article, Byline, Region
from articles.paging import cursor_for
from articles.views.lists import AuthorView
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


def titles_in(html):
    return re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', html)


def titles(response):
    return titles_in(response.content.decode())


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
    """Site settings, newest articles, province blocks, the stored hot picks: four."""
    for story in aged(count, lead_photo=PhotoFactory()):
        DailyReadsFactory(article=story)
    hot.refresh()  # what flush_counters does every minute
    with django_assert_num_queries(4):
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


def test_a_tag_page_follows_an_articles_publish_time_as_it_changes(client):
    """Tag rows keep a copy of the publish time; publishing, rescheduling and a save of a
    partly loaded article all move it, so the tag page never loses or misorders a story."""
    now = timezone.now()
    older = ArticleFactory(
        title="较早的稿件", tag_names=["港口"], publish_at=now - timedelta(days=2)
    )
    draft = DraftFactory(title="刚发布的稿件", tag_names=["港口"])
    tag_page = f"/tag/{quote('港口')}/"
    assert titles(client.get(tag_page)) == [older.title]

    draft.status, draft.publish_at = Article.Status.PUBLISHED, now - timedelta(hours=1)
    draft.save()
    bump_content_version()  # on commit in production; the test's transaction never commits
    assert titles(client.get(tag_page)) == [draft.title, older.title]

    partial = Article.objects.only("id", "slug", "title").get(pk=older.pk)
    partial.publish_at = now - timedelta(minutes=5)
    partial.save(update_fields=["publish_at"])
    bump_content_version()
    assert titles(client.get(tag_page)) == [older.title, draft.title]
    times = set(older.tagged_items.values_list("publish_at", flat=True))
    times |= set(older.bylines.values_list("publish_at", flat=True))
    assert times == {partial.publish_at}

    older.refresh_from_db()
    older.title = "只改了标题"
    older.save(update_fields=["title"])
    bump_content_version()
    assert titles(client.get(tag_page)) == [older.title, draft.title]


def test_bylines_however_created_carry_their_articles_publish_time():
    """Author pages walk Byline.publish_at: save() and bulk_create() (imports, the demo) fill it."""
    story = ArticleFactory(bylines=[])
    Byline.objects.bulk_create(Byline(article=story, author=AuthorFactory()) for _ in range(2))
    Byline.objects.create(article=story, author=AuthorFactory(), role=Byline.Role.PHOTOGRAPHER)
    assert set(story.bylines.values_list("publish_at", flat=True)) == {story.publish_at}


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


def test_author_pages_walk_every_credit_once_in_order_across_keyset_pages(client, monkeypatch):
    """Each credit source is cut to the page before the union: paging forwards and back
    still lists every credited article once, newest first, skipping unlisted ones, and a
    story the author both wrote and photographed counts once."""
    reader_data.freeze_cache_minute(monkeypatch)
    monkeypatch.setattr(AuthorView, "page_size", 3)
    author = PhotographerFactory(slug="wang")
    photo = PhotoFactory(photographer=author)
    now = timezone.now()
    at = [now - timedelta(hours=h) for h in range(1, 12)]
    both = ArticleFactory(title="文和图", publish_at=at[0], bylines=[author])
    Byline.objects.create(article=both, author=author, role=Byline.Role.PHOTOGRAPHER)
    credited = [
        both,
        ArticleFactory(title="署名一", publish_at=at[1], bylines=[author]),
        ArticleFactory(title="题图一", publish_at=at[2], lead_photo=photo),
        ArticleFactory(title="署名二", publish_at=at[4], bylines=[author]),
        ArticlePhotoFactory(
            article=ArticleFactory(title="正文图一", publish_at=at[5]), photo=photo
        ).article,
        ArticleFactory(title="题图二", publish_at=at[6], lead_photo=photo),
        ArticleFactory(title="署名三", publish_at=at[8], bylines=[author]),
    ]
    ArticleFactory(title="撤稿", publish_at=at[3], bylines=[author], retracted_at=now,
                   retraction_reason="有误")  # fmt: skip
    DraftFactory(title="草稿", bylines=[author])
    ArticleFactory(title="别人的", publish_at=at[7])

    seen, url, pages = [], "/author/wang/", []
    while url:
        html = client.get(url).content.decode()
        pages.append(titles_in(html))
        seen += pages[-1]
        older = re.search(r'href="\?(before=[\d-]+)" rel="next"', html)
        url = f"/author/wang/?{older[1]}" if older else None
    assert seen == [a.title for a in credited]
    assert [len(p) for p in pages] == [3, 3, 1]

    newer = re.search(r'href="\?(after=[\d-]+)" rel="prev"', html)[1]
    assert titles_in(client.get(f"/author/wang/?{newer}").content.decode()) == pages[1]


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/latest/", 3),  # site settings, articles, the stored hot picks
        ("/region/zhejiang/", 5),  # + the region and its cities
        (f"/tag/{quote('港口')}/", 4),  # + the tag
        ("/author/chen/", 4),  # + the author
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
    hot.refresh()
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_list_pages_carry_feeds_canonical_and_structured_data(client, settings):
    ArticleFactory(tag_names=["港口"])
    html = client.get(f"/tag/{quote('港口')}/").content.decode()
    assert f'<link rel="canonical" href="{settings.SITE_URL}/tag/{quote("港口")}/">' in html
    assert 'type="application/rss+xml"' in html and 'type="application/atom+xml"' in html
    assert '"@type": "ItemList"' in html and '"@type": "BreadcrumbList"' in html
