"""The article page: wire format, order, visibility rules, URLs, metadata and query counts."""

import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.test import RequestFactory
from django.utils import timezone

from articles import hot
from articles.models import Article
from articles.qr import qr_svg
from articles.views.detail import article_context
from tests import reader_data
from tests.factories import (
    ArticleFactory,
    ArticlePhotoFactory,
    AuthorFactory,
    CorrectionFactory,
    DailyReadsFactory,
    DraftFactory,
    PhotoFactory,
)

pytestmark = pytest.mark.django_db


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def visible_text(html):
    """The page's text as a reader sees it (tags dropped), to check wording and order."""
    html = re.sub(r"<(script|style|head)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_the_page_reads_in_the_order_a_wire_reader_expects(client):
    """Title, wire line, time, photo with credit, body, (完), editor, tags, corrections,
    阅读/支持/举报, share, then 查看更多."""
    story = reader_data.wire_story(subtitle="港城新观察")
    CorrectionFactory(article=story, text="第二段中的港区名称已更正。")
    ArticleFactory(dateline_region=story.dateline_region, title="宁波另一条新闻")
    text = visible_text(page(client, story))
    expected = [
        reader_data.TITLE,
        "港城新观察",
        reader_data.WIRE_LINE,
        "发布时间",
        "港口，是宁波最鲜明的城市名片",
        "多位代表谈到了智慧码头",
        f"{reader_data.CAPTION} {reader_data.CREDIT}",
        "也将改变城市的产业结构。(完)",
        "【编辑:王可】",
        "港口",
        "更正",
        "第二段中的港区名称已更正。",
        "阅读",
        "支持",
        "举报",
        "分享",
        "查看更多",
        "宁波另一条新闻",
    ]
    position = 0
    for piece in expected:
        found = text.find(piece, position)
        assert found >= 0, f"{piece!r} is missing or out of order"
        position = found + len(piece)


def test_wire_line_links_each_reporter_to_their_page(client):
    html = page(client, reader_data.wire_story())
    wire = re.search(r'<p class="wire-line">(.*?)</p>', html).group(1)
    assert visible_text(wire) == reader_data.WIRE_LINE
    assert 'href="/author/chen-xiao/"' in wire and 'href="/author/lin-yizhou/"' in wire


def test_times_are_shown_in_chinese_format_in_beijing_time(client):
    story = ArticleFactory(publish_at=timezone.now() - timedelta(days=1))
    Article.objects.filter(pk=story.pk).update(publish_at="2026-01-16T10:39:00+00:00")
    story.refresh_from_db()
    assert "2026年01月16日 18:39" in page(client, story)


def test_a_wrong_or_missing_slug_answers_301_to_the_canonical_url(client):
    story = ArticleFactory(title="浙江两会观察")
    canonical = story.get_absolute_url()
    for url in (
        f"/a/{story.pk}/",
        f"/a/{story.pk}/old-title/",
        f"/a/{story.pk}/{quote('旧标题')}/",
    ):
        response = client.get(url)
        assert response.status_code == 301, url
        assert response["Location"] == canonical


def test_a_chinese_slug_in_the_url_opens_the_page(client):
    story = ArticleFactory(title="浙江两会观察")
    assert client.get(f"/a/{story.pk}/{quote('浙江两会观察')}/").status_code == 200


@pytest.mark.parametrize(
    "make",
    [
        lambda: DraftFactory(),
        lambda: ArticleFactory(publish_at=timezone.now() + timedelta(hours=1)),
        lambda: ArticleFactory(status=Article.Status.UNPUBLISHED),
        lambda: ArticleFactory(
            publish_at=timezone.now() - timedelta(days=2),
            expires_at=timezone.now() - timedelta(days=1),
        ),
    ],
    ids=["draft", "scheduled", "unpublished", "expired"],
)
def test_articles_readers_may_not_see_are_404_in_the_site_style(client, make):
    story = make()
    response = client.get(f"/a/{story.pk}/{quote(story.slug)}/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert "返回首页" in response.content.decode()


def test_a_retracted_article_keeps_its_url_and_shows_the_reason_instead_of_the_body(client):
    story = reader_data.wire_story(
        retracted_at=timezone.now(), retraction_reason="报道中的数据来源无法核实。"
    )
    html = page(client, story)
    assert "本文已撤稿" in html and "报道中的数据来源无法核实。" in html
    assert "港口，是宁波最鲜明的城市名片" not in html
    assert reader_data.CAPTION not in html
    assert '<meta name="robots" content="noindex">' in html
    assert '"NewsArticle"' not in html


def test_a_reprint_shows_its_provenance(client):
    story = ArticleFactory(
        is_reprint=True,
        original_source="浙江日报",
        original_url="https://example.com/story/1",
        original_title="原来的标题",
        original_author="张原",
    )
    text = visible_text(page(client, story))
    assert "来源：浙江日报" in text and "原标题：原来的标题" in text and "原作者：张原" in text


def test_a_reprint_link_that_is_not_a_web_address_is_not_linked(client):
    story = ArticleFactory(
        is_reprint=True, original_source="某报", original_url="javascript:alert(1)"
    )
    assert "javascript:" not in page(client, story)


def test_related_articles_share_a_tag_or_the_province_and_exclude_the_story(client):
    story = ArticleFactory(tag_names=["港口"])
    same_tag = ArticleFactory(title="同标签的新闻", tag_names=["港口"])
    same_province = ArticleFactory(title="同省的新闻", dateline_region=story.dateline_region)
    unrelated = ArticleFactory(title="无关的新闻")
    retracted = ArticleFactory(
        title="撤稿的同标签新闻",
        tag_names=["港口"],
        retracted_at=timezone.now(),
        retraction_reason="有误",
    )
    related = re.search(r'<section class="related".*?</section>', page(client, story), re.S)[0]
    assert same_tag.title in related and same_province.title in related
    assert unrelated.title not in related and retracted.title not in related
    assert story.title not in related


def test_metadata_for_search_engines_and_share_cards(client, settings):
    story = reader_data.wire_story()
    html = page(client, story)
    url = f"{settings.SITE_URL}{story.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    blocks = [
        json.loads(b)
        for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]
    article_ld = next(b for b in blocks if b["@type"] == "NewsArticle")
    assert article_ld["headline"] == reader_data.TITLE
    assert article_ld["dateline"] == "中新网宁波2月3日电"
    assert [a["name"] for a in article_ld["author"]] == ["陈晓", "林一舟"]
    assert article_ld["datePublished"].endswith("+08:00")
    assert article_ld["publisher"]["name"] == settings.SITE_PUBLISHER_NAME
    crumbs = next(b for b in blocks if b["@type"] == "BreadcrumbList")
    assert [c["name"] for c in crumbs["itemListElement"]][1:] == [
        "浙江省",
        "宁波市",
        reader_data.TITLE,
    ]


def test_json_ld_cannot_close_its_script_element(client):
    """A title containing </script> stays data: the HTML parser never sees the end tag."""
    html = page(client, ArticleFactory(title="标题</script><script>alert(1)</script>"))
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        assert json.loads(block)
    assert "<script>alert(1)" not in html


def test_share_block_has_the_link_and_a_server_drawn_qr_code(client, settings):
    story = ArticleFactory()
    html = page(client, story)
    share = re.search(r'<section class="share".*?</section>', html, re.S)[0]
    assert f'value="{settings.SITE_URL}{story.get_absolute_url()}"' in share
    assert "<svg" in share and "<path" in share and "<title>" in share
    # The code holds the short link, which redirects to the page.
    short = f"/a/{story.pk}/"
    assert qr_svg(f"{settings.SITE_URL}{short}") in share
    assert client.get(short)["Location"] == story.get_absolute_url()
    assert "data-copy-link" in share and "hidden" in share  # the button is revealed by JS


def test_no_inline_script_bodies_or_event_handlers(client):
    """A strict CSP (no 'unsafe-inline') must not break the page."""
    html = page(client, reader_data.wire_story())
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "application/ld+json" in attributes or not body.strip()
    assert not re.search(r"\son[a-z]+=", html)


def test_preview_context_renders_a_draft_the_same_way():
    """The staff preview (articles/preview.py) renders drafts through article_context()."""
    from django.template.loader import render_to_string

    draft = DraftFactory(title="还没发布的稿件", body="<p>草稿正文。</p>")
    request = RequestFactory().get("/preview/x/")
    context = article_context(request, draft) | {"preview": True}
    html = render_to_string("articles/article_detail.html", context, request=request)
    assert "还没发布的稿件" in html and "草稿正文。" in html
    assert "预览" in html and '<meta name="robots" content="noindex">' in html


# --- query counts -------------------------------------------------------------------


def rich_story(extra):
    """A story with `extra` tags, bylines, inline photos and corrections beyond the first."""
    story = ArticleFactory(
        lead_photo=PhotoFactory(),
        editor=AuthorFactory(),
        bylines=[AuthorFactory() for _ in range(1 + extra)],
        tag_names=[f"标签{i}" for i in range(1 + extra)],
    )
    for i in range(1 + extra):
        ArticlePhotoFactory(article=story, after_paragraph=i)
        CorrectionFactory(article=story)
    return story


@pytest.mark.parametrize("extra", [0, 5], ids=["small", "large"])
def test_article_page_queries_do_not_grow_with_tags_bylines_photos_or_corrections(
    client, django_assert_num_queries, monkeypatch, extra
):
    """Six queries with warm sidebar caches: article (with its joins), bylines, tags,
    inline photos, corrections and related articles."""
    reader_data.freeze_cache_minute(monkeypatch)
    warm_up = ArticleFactory()
    client.get(warm_up.get_absolute_url())  # fills the sidebar and site-settings caches
    ArticleFactory.create_batch(3 + extra * 4, tag_names=["标签0"])
    story = rich_story(extra)
    with django_assert_num_queries(6):
        assert client.get(story.get_absolute_url()).status_code == 200


def test_a_plain_article_costs_four_queries(client, django_assert_num_queries, monkeypatch):
    """No inline photos or corrections: the article's EXISTS probes spare those queries."""
    reader_data.freeze_cache_minute(monkeypatch)
    client.get(ArticleFactory().get_absolute_url())  # warms site settings and the sidebars
    story = ArticleFactory(tag_names=["港口"], bylines=[AuthorFactory()])
    with django_assert_num_queries(4):
        assert client.get(story.get_absolute_url()).status_code == 200


def test_article_page_with_every_cache_cold_costs_eight_queries(client, django_assert_num_queries):
    """Cold: the six above, plus site settings and the stored hot picks (both sidebars)."""
    story = rich_story(3)
    DailyReadsFactory(article=ArticleFactory())  # a site with reads: the lists are not empty
    hot.refresh()  # what flush_counters does every minute
    with django_assert_num_queries(8):
        assert client.get(story.get_absolute_url()).status_code == 200
