"""The wire-page importer: parsing pages, the spam guard, and import_articles end to end."""

import io
import shutil
import sys
from datetime import date, datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from articles.importers.pages import read_page
from articles.importers.store import ArticleImporter
from articles.importers.wire import Line, ParseError, parse_lines
from articles.models import Article, ArticlePhoto, Author, Byline, Photo, Tag
from articles.spam_guard import check_article
from tests.factories import AuthorFactory, TagFactory, jpeg_bytes

WIRE = Path(__file__).parent / "fixtures" / "wire"
CHINA = ZoneInfo("Asia/Shanghai")
SPAM_TEXTS = ("精品好货", "abc-spam", "高仿名表", "免费领取", "极品影视", "注册送彩金", "热门导读")


def page(name):
    return read_page((WIRE / name).read_bytes())


def run_import(*args, **options):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err, **options)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


# --- parsing ------------------------------------------------------------------------------


def test_text_page_yields_the_article_and_nothing_else():
    """Title, source, dateline, bylines, paragraphs in order, photo and editor are recovered;
    page furniture and the spam after "(完)" are dropped and accounted for."""
    wire, warnings = page("hangzhou-two-reporters.txt")
    assert wire.title == "杭州：亚运场馆变身全民健身“打卡地”"
    assert (wire.source, wire.place, wire.dateline_date) == ("中新网", "杭州", date(2026, 3, 12))
    assert wire.bylines == [("林晓", "reporter"), ("陈立平", "reporter")]
    assert wire.editor == "唐雨"
    assert len(wire.paragraphs) == 5
    assert wire.paragraphs[0].startswith("清晨六点半")
    assert wire.paragraphs[-1].endswith("收支平衡。")
    assert [(p.caption, p.photographers, p.after_paragraph) for p in wire.photos] == [
        ("杭州奥体中心网球馆内，市民正在上课。", ["何远"], 3)
    ]
    assert wire.published_at == datetime(2026, 3, 12, 9, 21, tzinfo=CHINA)
    assert wire.has_end_marker
    kept = " ".join(wire.paragraphs)
    assert not any(spam in kept for spam in SPAM_TEXTS)
    after = [d.text for d in wire.dropped if d.kind == "after"]
    assert after == ["精品好货天天特价，点击领取优惠券", "加微信 abc-spam 了解更多"]
    assert {d.kind for d in wire.dropped} >= {"before", "meta", "furniture", "junk"}
    assert [w.code for w in warnings] == ["after_end"]


@pytest.mark.parametrize(
    ("dateline", "source", "place", "bylines"),
    [
        (
            "中新网温州1月16日电(记者 张三 李四)",
            "中新网",
            "温州",
            [("张三", "reporter"), ("李四", "reporter")],
        ),
        ("中新社成都4月2日电 （记者 王静怡）", "中新社", "成都", [("王静怡", "reporter")]),
        (
            "中新网西安5月8日电(记者 赵磊 通讯员 孙悦)",
            "中新网",
            "西安",
            [("赵磊", "reporter"), ("孙悦", "correspondent")],
        ),
        (
            "中新网乌鲁木齐１月９日电(阿依古丽·买买提)",
            "中新网",
            "乌鲁木齐",
            [("阿依古丽·买买提", "reporter")],
        ),
        ("中新网1月20日电", "中新网", "", []),
        (
            "新华社北京2026年2月3日电（记者 周一、吴二）",
            "新华社",
            "北京",
            [("周一", "reporter"), ("吴二", "reporter")],
        ),
    ],
    ids=["two-reporters", "full-width", "correspondent", "middle-dot", "no-place", "year"],
)
def test_dateline_variants(dateline, source, place, bylines):
    """Datelines with and without 记者, full-width brackets and digits, roles and no place."""
    wire = parse_lines(
        [Line("一条测试新闻的标题"), Line(dateline + "第一段正文。"), Line("第二段。(完)")],
        today=date(2026, 6, 1),
    )
    assert (wire.source, wire.place, wire.bylines) == (source, place, bylines)
    assert wire.paragraphs == ["第一段正文。", "第二段。"]


def test_year_is_inferred_from_the_import_date_when_the_page_has_none():
    """A dateline later in the year than today belongs to last year."""
    lines = [Line("标题在这里"), Line("中新网杭州12月30日电 正文。(完)")]
    assert parse_lines(lines, today=date(2026, 1, 2)).dateline_date == date(2025, 12, 30)
    assert parse_lines(lines, today=date(2026, 12, 31)).dateline_date == date(2026, 12, 30)


def test_html_page_drops_hidden_elements_scripts_and_injected_content(settings):
    """Hidden spam inside paragraphs goes, the story around it stays, the canonical URL and
    published time come from the head, and the spam guard names what it saw."""
    settings.SPAM_LINK_BLOCKLIST = ["spam.example"]
    wire, warnings = page("harbin-hidden-spam.html")
    assert wire.title == "哈尔滨冰雪大世界迎来客流高峰"
    assert wire.origin_url == "https://www.example.com/sh/2026/01-03/10388.shtml"
    assert wire.published_at == datetime(2026, 1, 3, 18, 40, tzinfo=CHINA)
    assert wire.dateline_date == date(2026, 1, 3)
    assert wire.editor == "宋佳"
    kept = " ".join(wire.paragraphs)
    assert "假期三天，园区累计接待游客逾十万人次。" in kept
    assert not any(spam in kept for spam in SPAM_TEXTS) and "trackingId" not in kept
    assert [p.image for p in wire.photos] == ["harbin-ice.jpg"]
    assert sum(d.kind == "hidden" for d in wire.dropped) == 3
    assert sorted({w.code for w in warnings}) == ["after_end", "blocked_link", "hidden"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ((WIRE / "broken.txt").read_bytes(), "找不到电头"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "不是文本文件"),
        (b"   \n", "文件是空的"),
        ("只有电头的稿件\n中新网杭州1月2日电(记者 张三)\n(完)".encode(), "没有正文"),
        ("标题是这样\n中新网杭州2月30日电 正文。(完)".encode(), "日期无效"),
    ],
    ids=["no-dateline", "binary", "empty", "no-body", "bad-date"],
)
def test_unreadable_pages_raise_parse_error_with_a_reason(data, reason):
    with pytest.raises(ParseError, match=reason):
        read_page(data)


def test_gb18030_pages_are_decoded():
    """Pages saved by Chinese browsers in GBK/GB18030 read the same as UTF-8 ones."""
    data = (WIRE / "chengdu-one-reporter.txt").read_text(encoding="utf-8").encode("gb18030")
    wire, _warnings = read_page(data)
    assert wire.title == "成都天府绿道串起城市“慢生活”"
    assert wire.bylines == [("王静怡", "reporter")]


def test_page_without_end_marker_stops_at_the_first_furniture():
    wire = parse_lines(
        [
            Line("没有结束标记的稿件"),
            Line("中新网杭州3月1日电 第一段。"),
            Line("第二段。"),
            Line("分享到"),
            Line("恶意内容一段很长的文字"),
        ],
        today=date(2026, 6, 1),
    )
    assert wire.paragraphs == ["第一段。", "第二段。"]
    assert not wire.has_end_marker and wire.notes
    assert [d.kind for d in wire.dropped] == ["furniture", "after"]


def test_related_links_box_inside_the_story_does_not_end_it():
    """With "(完)" present, a 相关阅读 box between paragraphs is dropped, not taken as the end."""
    wire = parse_lines(
        [
            Line("正文中间插着相关阅读"),
            Line("中新网杭州3月1日电 第一段。"),
            Line("相关阅读"),
            Line("• 另一篇稿件的标题"),
            Line("第二段。(完)"),
        ],
        today=date(2026, 6, 1),
    )
    assert wire.paragraphs == ["第一段。", "第二段。"]
    assert [d.text for d in wire.dropped] == ["相关阅读", "• 另一篇稿件的标题"]


# --- the spam guard -------------------------------------------------------------------------


def test_spam_guard_passes_a_clean_body():
    assert check_article("<p>正文。</p><p>第二段。(完)</p><p>【编辑:张三】</p>") == []


def test_spam_guard_flags_text_after_the_end_marker():
    warnings = check_article("<p>正文。(完)</p><p>【编辑：张三】</p><p>加微信领红包</p>")
    assert [(w.code, w.excerpt) for w in warnings] == [("after_end", "加微信领红包")]


def test_spam_guard_flags_each_outermost_hidden_element():
    body = (
        '<p>正文<span style="display: none">广告<b hidden>x</b></span></p>'
        '<div aria-hidden="true">刷量</div><p style="font-size:0px">关键词</p>'
        '<p style="font-size:14px;opacity:0.9">看得见</p>'
    )
    assert [w.excerpt for w in check_article(body)] == ["广告x", "刷量", "关键词"]


@pytest.mark.parametrize(
    ("body", "flagged"),
    [
        ('<a href="https://spam.example/x">链接</a>', True),
        ('<img src="http://cdn.spam.example/a.png">', True),
        ("<p>访问 WWW.SPAM.EXAMPLE 领取</p>", True),
        ('<a href="https://notspam.example/">同名后缀</a>', False),
        ('<a href="https://spam.example.org/">更长的域名</a>', False),
    ],
    ids=["link", "subdomain-image", "bare-text", "lookalike", "longer-domain"],
)
def test_spam_guard_flags_blocklisted_domains(settings, body, flagged):
    settings.SPAM_LINK_BLOCKLIST = ["spam.example"]
    codes = [w.code for w in check_article(body)]
    assert codes == (["blocked_link"] if flagged else [])


def test_spam_guard_checks_title_and_summary(settings):
    settings.SPAM_LINK_BLOCKLIST = ["spam.example"]
    assert check_article("<p>正文</p>", summary="详见 spam.example")[0].code == "blocked_link"
    assert check_article("<p>正文</p>", blocklist=["other.test"], title="other.test") != []


# --- import_articles ------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_folder_creates_drafts_and_reports_the_broken_file():
    """Every page of a folder lands as a draft; the broken file is named with its reason,
    the others are imported anyway, and the command fails at the end."""
    out, err, error = run_import(WIRE)
    assert error is not None and "broken.txt" in str(error)
    assert "broken.txt" in err and "找不到电头" in err
    assert Article.objects.count() == 4
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.DRAFT}
    article = Article.objects.get(title="杭州：亚运场馆变身全民健身“打卡地”")
    assert (article.dateline_region.name, article.province.name) == ("杭州", "浙江")
    assert article.dateline_date == date(2026, 3, 12) and article.source == "中新网"
    assert [(b.author.name, b.role) for b in article.bylines.all()] == [
        ("林晓", "reporter"),
        ("陈立平", "reporter"),
    ]
    assert article.editor.name == "唐雨" and article.editor.is_editor
    assert article.body.startswith("<p>清晨六点半")
    assert "<p><em>杭州奥体中心网球馆内，市民正在上课。 何远 摄</em></p>" in article.body
    for text in ("中新网杭州", "(完)", "【编辑", *SPAM_TEXTS):
        assert text not in article.body
    assert article.origin_key.startswith("fp:")
    xian = Article.objects.get(title="西安城墙数字化保护工程启动")
    assert xian.origin_key == "https://www.example.com/gn/2026/05-08/10432.shtml"
    assert "扫码关注" not in xian.body
    assert "新建 «杭州：亚运场馆变身全民健身“打卡地”»" in out
    assert "识别：来源 中新网 · 电头 浙江 › 杭州 2026-03-12 · 署名 林晓、陈立平 · 编辑 唐雨" in out
    assert "文末之后的其他内容（疑似注入） 2 处" in out
    assert "新建 4，更新 0，未变 0，失败 1" in out


@pytest.mark.django_db
def test_reimport_is_idempotent_and_updates_changed_pages(tmp_path):
    """A second run changes nothing; an edited page updates its article in place."""
    source = tmp_path / "page.txt"
    shutil.copy(WIRE / "chengdu-one-reporter.txt", source)
    run_import(source)
    article = Article.objects.get()
    article.tags.add("绿道")  # an editor's tag must survive re-imports
    out, _err, error = run_import(source)
    assert error is None and "未变 «成都天府绿道串起城市“慢生活”»" in out
    source.write_text(source.read_text().replace("七千公里", "七千五百公里"), encoding="utf-8")
    out, _err, error = run_import(source, tag=["成都"])
    assert error is None and "更新 «成都天府绿道串起城市“慢生活”»（正文、标签）" in out
    assert Article.objects.count() == 1
    article = Article.objects.get()
    assert "七千五百公里" in article.body and article.version == 2
    assert sorted(article.tags.names()) == ["成都", "绿道"]
    assert Author.objects.filter(name="王静怡").count() == 1


@pytest.mark.django_db
def test_dry_run_reports_and_writes_nothing():
    out, _err, _error = run_import(WIRE / "hangzhou-two-reporters.txt", dry_run=True)
    assert "将新建 «杭州：亚运场馆变身全民健身“打卡地”»" in out and "演练" in out
    assert Article.objects.count() == 0 and Author.objects.count() == 0


@pytest.mark.django_db
def test_publish_uses_the_page_time_unless_the_body_carries_spam(settings, tmp_path):
    """--publish publishes at the page's own time; a visible blocklisted domain in the
    kept text keeps that article a draft, with the reason in the output."""
    settings.SPAM_LINK_BLOCKLIST = ["spam.example"]
    spammy = tmp_path / "spammy.txt"
    spammy.write_text(
        "一则带网址的稿件标题\n中新网温州2月1日电 欢迎访问 spam.example 了解详情。(完)\n",
        encoding="utf-8",
    )
    out, _err, error = run_import(WIRE / "hangzhou-two-reporters.txt", spammy, publish=True)
    assert error is None
    live = Article.objects.get(title__startswith="杭州")
    assert live.status == Article.Status.PUBLISHED
    assert live.publish_at == datetime(2026, 3, 12, 9, 21, tzinfo=CHINA)
    assert Article.objects.get(title__startswith="一则").status == Article.Status.DRAFT
    assert "正文有垃圾内容警告，保留为草稿" in out


@pytest.mark.django_db
def test_existing_authors_and_tags_are_matched_before_new_ones_are_made():
    reporter = AuthorFactory(name="林晓", slug="lin-xiao-hz")
    TagFactory(name="Sports")
    run_import(WIRE / "hangzhou-two-reporters.txt", tag=["sports", "亚运"])
    article = Article.objects.get()
    assert article.bylines.first().author == reporter
    assert Author.objects.filter(name="林晓").count() == 1
    assert Author.objects.get(name="陈立平").slug == "chen-liping"
    assert sorted(article.tags.names()) == ["Sports", "亚运"]
    assert Tag.objects.count() == 2


@pytest.mark.django_db
def test_image_file_next_to_an_html_page_becomes_the_photo(tmp_path):
    """A referenced image beside the page is imported with its caption and photographer,
    placed after its paragraph and used as the lead photo; re-importing reuses it."""
    shutil.copy(WIRE / "harbin-hidden-spam.html", tmp_path / "harbin.html")
    (tmp_path / "harbin-ice.jpg").write_bytes(jpeg_bytes(640, 480))
    out, _err, error = run_import(tmp_path)
    assert error is None
    article = Article.objects.get()
    inline = ArticlePhoto.objects.get(article=article)
    assert inline.after_paragraph == 2 and article.lead_photo == inline.photo
    assert inline.photo.caption == "游客在冰雪大世界的冰雕前合影留念。"
    assert inline.photo.photographer.name == "刘北辰" and inline.photo.photographer.is_photographer
    assert inline.photo.width == 640
    assert "合影留念" not in article.body
    out, _err, _error = run_import(tmp_path)
    assert "未变" in out and Photo.objects.count() == 1


@pytest.mark.django_db
def test_stdin_is_read_with_a_dash(monkeypatch):
    data = (WIRE / "xian-correspondent.txt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    out, _err, error = run_import("-")
    assert error is None and "← 标准输入" in out
    assert Article.objects.get().bylines.count() == 2


@pytest.mark.django_db
def test_missing_path_is_reported_and_fails_the_run():
    _out, err, error = run_import(WIRE / "no-such-file.txt")
    assert "no-such-file.txt" in err and "不存在" in err
    assert error is not None


@pytest.mark.django_db
def test_import_killed_mid_article_leaves_nothing_half_written(monkeypatch):
    """An exception after the article row and its bylines were written rolls all of it back
    (authors included); the next file is still imported and the run exits non-zero."""
    write_bylines = ArticleImporter._write_bylines

    def explode(article, bylines):
        write_bylines(article, bylines)
        if article.title.startswith("杭州"):
            raise RuntimeError("power cut")

    monkeypatch.setattr(ArticleImporter, "_write_bylines", staticmethod(explode))
    _out, err, error = run_import(
        WIRE / "hangzhou-two-reporters.txt", WIRE / "chengdu-one-reporter.txt"
    )
    assert error is not None and "hangzhou-two-reporters.txt" in err and "power cut" in err
    assert list(Article.objects.values_list("title", flat=True)) == ["成都天府绿道串起城市“慢生活”"]
    assert not Author.objects.filter(name__in=["林晓", "陈立平", "唐雨"]).exists()
    assert Byline.objects.count() == 1
    assert not Article.history.filter(title__startswith="杭州").exists()


@pytest.mark.django_db
def test_failed_article_deletes_the_photo_files_it_wrote(monkeypatch, tmp_path, settings):
    shutil.copy(WIRE / "harbin-hidden-spam.html", tmp_path / "harbin.html")
    (tmp_path / "harbin-ice.jpg").write_bytes(jpeg_bytes(320, 240))
    original = ArticleImporter._write_photos

    def explode(self, *args):
        original(self, *args)
        raise RuntimeError("disk full")

    monkeypatch.setattr(ArticleImporter, "_write_photos", explode)
    _out, err, error = run_import(tmp_path)
    assert error is not None and "disk full" in err
    assert Photo.objects.count() == 0 and Article.objects.count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_origin_keys_ignore_spacing_and_width():
    """Re-saving a page with other spacing or half-width punctuation keeps its key."""
    one = parse_lines([Line("标题：测试 一下"), Line("中新网杭州3月1日电 正文。(完)")])
    two = parse_lines([Line("标题:测试一下"), Line("中新网杭州3月1日电 正文改了。(完)")])
    assert one.origin_key == two.origin_key
