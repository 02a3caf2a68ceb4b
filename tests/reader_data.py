"""A wire story in the reference page's format, written for these tests.

Dateline 中新网宁波2月3日电(陈晓 林一舟), three paragraphs, an inline photo after the
second credited "李明 摄", and the editor line 【编辑:王可】. The text is made up.
"""

from datetime import date

from articles.models import Byline
from tests.factories import (
    ArticleFactory,
    ArticlePhotoFactory,
    AuthorFactory,
    CityFactory,
    PhotoFactory,
    PhotographerFactory,
    RegionFactory,
)

TITLE = "宁波两会速写：港口城市谋划“数智航运”"
WIRE_LINE = "中新网宁波2月3日电(陈晓 林一舟)"
BODY = (
    "<p>港口，是宁波最鲜明的城市名片。2025年，宁波舟山港货物吞吐量继续位居全球前列。</p>"
    "<p>在连日来召开的宁波市两会上，多位代表谈到了智慧码头和无人集卡。</p>"
    "<p>代表们认为，数字技术正在改变港口的作业方式，也将改变城市的产业结构。</p>"
)
CAPTION = "宁波舟山港穿山港区一景。"
CREDIT = "李明 摄"


def ningbo():
    """宁波 under 浙江: the rows migration 0003 loads, or the same rows made again after a
    transactional test emptied the tables."""
    zhejiang = RegionFactory(slug="zhejiang", name="浙江", full_name="浙江省")
    return CityFactory(slug="ningbo", name="宁波", full_name="宁波市", parent=zhejiang)


def wire_story(**fields):
    """The story, published an hour ago, with its bylines, photo, editor and tags."""
    reporters = [
        AuthorFactory(name="陈晓", slug="chen-xiao"),
        AuthorFactory(name="林一舟", slug="lin-yizhou"),
    ]
    photographer = PhotographerFactory(name="李明", slug="li-ming")
    story = ArticleFactory(
        title=TITLE,
        summary="宁波市两会上，代表们谈智慧码头与无人集卡。",
        body=BODY,
        source="中新网",
        dateline_region=ningbo(),
        dateline_date=date(2026, 2, 3),
        editor=AuthorFactory(name="王可", slug="wang-ke", is_editor=True),
        bylines=reporters,
        tag_names=["港口", "数字经济"],
        **fields,
    )
    photo = PhotoFactory(caption=CAPTION, alt_text="集装箱码头上的岸桥", photographer=photographer)
    ArticlePhotoFactory(article=story, photo=photo, after_paragraph=2)
    Byline.objects.create(
        article=story, author=photographer, role=Byline.Role.PHOTOGRAPHER, position=9
    )
    return story


def freeze_cache_minute(monkeypatch):
    """Hold the cache keys' minute still, so a test that warms a cache and then counts
    queries cannot straddle a minute boundary (keys change every minute)."""
    from articles import caching

    monkeypatch.setattr(caching, "current_bucket", lambda now=None: 0)
