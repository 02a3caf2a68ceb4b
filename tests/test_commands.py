"""Operator commands: export/import round trip, the demo newsroom, create_editor, stats."""

import getpass
import json
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command, load_command_class
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import roles
from articles.models import (
    Article,
    ArticlePhoto,
    Author,
    Byline,
    Correction,
    DailyReads,
    Photo,
    Region,
    Report,
    Tag,
)
from articles.regions import resolve_place
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CorrectionFactory,
    DraftFactory,
    PhotoFactory,
    PhotographerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def call(name, *args, **options):
    out, err = StringIO(), StringIO()
    call_command(name, *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def newsroom(now):
    """One of each kind of article the archive must carry through a round trip."""
    hangzhou = resolve_place("杭州")
    reporters = [
        AuthorFactory(name="邵一", slug="shao-yi"),
        AuthorFactory(name="周二", slug="zhou-er"),
    ]
    editor = AuthorFactory(name="付三", slug="fu-san", is_reporter=False, is_editor=True)
    photographer = PhotographerFactory(name="王四", slug="wang-si")
    lead = PhotoFactory(caption="数安港一景。", photographer=photographer)
    inline = PhotoFactory(caption="会场外景。", photographer=photographer)
    live = ArticleFactory(
        title="浙江两会观察：数字经济再提速",
        summary="导语一句。",
        dateline_region=hangzhou,
        bylines=reporters,
        tag_names=["两会", "AI"],
        editor=editor,
        lead_photo=lead,
        recommended_until=now + timedelta(days=2),
        source="中新网",
    )
    Byline.objects.create(article=live, author=photographer, role="photographer", position=2)
    ArticlePhoto.objects.create(article=live, photo=inline, after_paragraph=1)
    CorrectionFactory(article=live, published_at=now - timedelta(minutes=5))
    ArticleFactory(title="已撤稿的稿件", retracted_at=now, retraction_reason="事实有误。")
    DraftFactory(title="还在写的草稿", dateline_region=None, bylines=[])
    ArticleFactory(title="明天发布", publish_at=now + timedelta(days=1), expires_at=None)
    ArticleFactory(title="导入过的稿件", origin_key="https://www.example.com/a/1.shtml")
    ArticleFactory(
        title="转载稿件",
        is_reprint=True,
        original_source="某报",
        original_url="https://example.org/story",
        original_title="原来的标题",
        original_author="某作者",
    )
    return live


def test_export_and_import_round_trip_to_an_identical_archive(tmp_path):
    """Export, wipe, import, export again: the two files are byte for byte the same; and
    importing an export into the site it came from changes nothing."""
    newsroom(timezone.now())
    first, second = tmp_path / "one.ndjson", tmp_path / "two.ndjson"
    out, _err = call("export_articles", output=first)
    assert "已导出 6 篇文章" in out
    records = [json.loads(line) for line in first.read_text().splitlines()]
    live = next(r for r in records if r["title"].startswith("浙江"))
    assert [(b["name"], b["role"]) for b in live["bylines"]] == [
        ("邵一", "reporter"),
        ("周二", "reporter"),
        ("王四", "photographer"),
    ]
    assert live["region"] == {"slug": "hangzhou", "name": "杭州"}
    assert live["tags"] == ["AI", "两会"] and live["editor"]["slug"] == "fu-san"
    assert live["lead_photo"]["image"].startswith("photos/")
    assert [p["after_paragraph"] for p in live["photos"]] == [1]
    assert live["status"] == "published" and live["corrections"][0]["text"]

    out, _err = call("import_articles", first)
    assert "未变 6" in out and Article.objects.count() == 6

    Article.objects.all().delete()
    Photo.objects.all().delete()  # the files stay in storage, as after a database move
    Author.objects.all().delete()
    Tag.objects.all().delete()
    out, _err = call("import_articles", first)
    assert "新建 6，更新 0，未变 0，失败 0" in out
    call("export_articles", output=second)
    assert second.read_text() == first.read_text()
    assert Photo.objects.count() == 2 and Correction.objects.count() == 1


def test_changed_record_updates_only_that_article(tmp_path):
    newsroom(timezone.now())
    path = tmp_path / "archive.ndjson"
    call("export_articles", output=path)
    lines = path.read_text().splitlines()
    record = json.loads(lines[0])
    record["title"] += "（更新）"
    record["tags"] = ["新标签"]
    path.write_text("\n".join([json.dumps(record, ensure_ascii=False), *lines[1:]]) + "\n")
    out, _err = call("import_articles", path, dry_run=True)
    assert "将更新 «" in out and "（标题、标签）" in out and "未变 5" in out
    assert not Article.objects.filter(title__endswith="（更新）").exists()
    out, _err = call("import_articles", path)
    article = Article.objects.get(title__endswith="（更新）")
    assert list(article.tags.names()) == ["新标签"] and Article.objects.count() == 6


def test_bad_ndjson_lines_are_reported_and_the_rest_imported(tmp_path):
    path = tmp_path / "mixed.ndjson"
    good = {"title": "手写的记录", "body": "<p>正文</p>", "dateline_date": "2026-01-02"}
    path.write_text(
        "\n".join(
            [
                "{not json",
                json.dumps({"title": ""}),
                json.dumps({**good, "status": "gone"}),
                json.dumps({**good, "publish_at": "yesterday"}),
                json.dumps(good, ensure_ascii=False),
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="4 项导入失败"):
        call_command("import_articles", str(path), stdout=StringIO(), stderr=(err := StringIO()))
    messages = err.getvalue()
    for expected in ("第 1 行：JSON 无效", "第 2 行：缺少标题", "未知的状态", "publish_at"):
        assert expected in messages
    article = Article.objects.get()
    assert article.title == "手写的记录" and article.origin_key.startswith("fp:")


def test_export_filters_by_status_region_and_date(tmp_path):
    now = timezone.now()
    zhejiang = Region.objects.get(slug="zhejiang")
    ArticleFactory(title="杭州稿", dateline_region=resolve_place("杭州"))
    ArticleFactory(title="省里稿", dateline_region=zhejiang)
    ArticleFactory(title="成都稿", dateline_region=resolve_place("成都"))
    ArticleFactory(title="旧稿", publish_at=now - timedelta(days=40))
    DraftFactory(title="草稿")

    def titles(**options):
        out, err = call("export_articles", **options)
        assert "已导出" in err  # the summary keeps out of the NDJSON stream
        return sorted(json.loads(line)["title"] for line in out.splitlines())

    assert titles(region="zhejiang") == ["杭州稿", "省里稿"]
    assert titles(status=["draft"]) == ["草稿"]
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert "旧稿" not in titles(since=since) and len(titles(since=since)) == 4
    assert titles(until=(timezone.localdate() - timedelta(days=30)).isoformat()) == ["旧稿"]
    with pytest.raises(CommandError, match="无效的日期"):
        call("export_articles", since="last tuesday")
    with pytest.raises(CommandError, match="没有网址名为 atlantis"):
        call("export_articles", region="atlantis")


def test_export_queries_do_not_grow_with_the_number_of_articles(tmp_path):
    newsroom(timezone.now())
    with CaptureQueriesContext(connection) as few:
        call("export_articles", output=tmp_path / "a.ndjson")
    for _ in range(5):
        newsroom_article = ArticleFactory(tag_names=["多"], lead_photo=PhotoFactory())
        CorrectionFactory(article=newsroom_article)
    with CaptureQueriesContext(connection) as many:
        call("export_articles", output=tmp_path / "b.ndjson")
    assert len(many) == len(few)


# --- load_demo ----------------------------------------------------------------------------


def test_load_demo_builds_a_living_newsroom_and_is_idempotent():
    """Authors with roles, published/draft/scheduled/retracted stories, corrections, photos,
    reports and recent reads; a second run adds nothing, --reset rebuilds the same."""
    out, _err = call("load_demo", articles=40)
    assert "新建稿件 40 篇" in out
    demo = Article.objects.filter(origin_key__startswith="demo:")
    assert demo.count() == 40
    assert Author.objects.filter(is_editor=True).count() >= 2
    assert Author.objects.filter(is_photographer=True).count() >= 2
    assert Author.objects.count() == 12
    assert Article.objects.scheduled().count() == 1
    retracted = demo.get(retracted_at__isnull=False)
    assert retracted.retraction_reason and retracted.is_published()
    assert demo.filter(status=Article.Status.DRAFT).count() == 2
    assert Correction.objects.filter(article__in=demo).exists()
    assert Report.objects.filter(status=Report.Status.OPEN).count() == 5
    assert Photo.objects.count() == 16 and demo.exclude(lead_photo=None).exists()
    assert DailyReads.objects.filter(day=timezone.localdate()).exists()
    listed = Article.objects.listed().filter(origin_key__startswith="demo:")
    assert all(a.view_count > 0 and a.like_count < a.view_count for a in listed)
    assert all(a.bylines.exists() and a.tags.exists() for a in listed)
    for article in demo:
        assert "{" not in article.title + article.body and article.dateline_region_id

    out, _err = call("load_demo", articles=40)
    assert "新建稿件 0 篇（已有 40 篇）" in out and demo.count() == 40
    assert Photo.objects.count() == 16

    out, _err = call("load_demo", articles=40, reset=True)
    assert "已删除演示稿件 40 篇" in out and demo.count() == 40
    assert Photo.objects.count() == 16 and Author.objects.count() == 12


def test_load_demo_reset_keeps_what_is_not_demo():
    mine = ArticleFactory(title="真实稿件", tag_names=["经济"])
    call("load_demo", articles=12)
    call("load_demo", articles=12, reset=True, verbosity=0)
    assert Article.objects.filter(pk=mine.pk).exists()
    assert list(mine.tags.names()) == ["经济"]


# --- create_editor ------------------------------------------------------------------------


def test_create_editor_generates_and_prints_a_password():
    out, _err = call("create_editor", "alice", generate_password=True, email="a@example.com")
    user = User.objects.get(username="alice")
    password = out.split("初始密码：")[1].split("（")[0]
    assert user.is_staff and not user.is_superuser and user.check_password(password)
    assert list(user.groups.values_list("name", flat=True)) == [roles.EDITOR]


def test_create_editor_without_a_terminal_generates_the_password():
    out, _err = call("create_editor", "bob", role=roles.REPORTER, interactive=False)
    assert "初始密码" in out
    assert list(User.objects.get(username="bob").groups.values_list("name", flat=True)) == [
        roles.REPORTER
    ]


def test_create_editor_prompts_until_the_passwords_match(monkeypatch):
    answers = iter(["first-try-1", "mismatch-2", "long enough pass 2026", "long enough pass 2026"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    out, err = call("create_editor", "carol")
    assert "不一致" in err and "初始密码" not in out
    assert User.objects.get(username="carol").check_password("long enough pass 2026")


def test_create_editor_refuses_weak_passwords(monkeypatch):
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "123")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    with pytest.raises(CommandError, match="没有设置有效的密码"):
        call("create_editor", "dave")
    assert not User.objects.filter(username="dave").exists()


def test_create_editor_on_an_existing_user_fixes_the_group_and_keeps_the_password():
    user = UserFactory(username="erin", is_staff=False, role=roles.REPORTER)
    out, _err = call("create_editor", "erin", author="李五", interactive=False)
    user.refresh_from_db()
    assert "已存在" in out and "初始密码" not in out
    assert user.is_staff and user.check_password("correct-horse-battery-staple")
    assert list(user.groups.values_list("name", flat=True)) == [roles.EDITOR]
    assert Author.objects.get(name="李五").user == user
    with pytest.raises(CommandError, match="已关联另一个账号"):
        call("create_editor", "frank", author="李五", generate_password=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad name!"], "用户名|Enter a valid username|有效"),
        (["gina", "--role", "boss"], "invalid choice"),
    ],
)
def test_create_editor_rejects_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call("create_editor", *args, generate_password=True)


def test_create_editor_dry_run_writes_nothing():
    out, _err = call("create_editor", "henry", dry_run=True)
    assert "演练" in out and not User.objects.filter(username="henry").exists()


# --- newsroom_stats -----------------------------------------------------------------------


def test_newsroom_stats_prints_statuses_reads_top_articles_and_reports():
    now, today = timezone.now(), timezone.localdate()
    popular = ArticleFactory(title="读者最多的稿件")
    other = ArticleFactory(title="第二名")
    DraftFactory()
    ArticleFactory(publish_at=now + timedelta(hours=3))
    ArticleFactory(retracted_at=now, retraction_reason="有误")
    DailyReads.objects.create(article=popular, day=today, count=120)
    DailyReads.objects.create(article=popular, day=today - timedelta(days=1), count=80)
    DailyReads.objects.create(article=other, day=today, count=15)
    DailyReads.objects.create(article=other, day=today - timedelta(days=30), count=999)
    for reason in (Report.Reason.RUMOUR, Report.Reason.SPAM):
        Report.objects.create(article=other, reason=reason, visitor_key="v" * 64)
    Report.objects.create(
        article=popular,
        reason=Report.Reason.OTHER,
        visitor_key="w" * 64,
        status=Report.Status.DISMISSED,
        decided_at=now,
    )
    out, _err = call("newsroom_stats", top=5)
    rows = {line.split()[0]: line.split()[-1] for line in out.splitlines() if line.strip()}
    assert rows["草稿"] == "1" and rows["在线"] == "2" and rows["定时发布"] == "1"
    assert rows["已撤稿（保留网址）"] == "1" and rows["合计"] == "5"
    assert "今日阅读：135" in out
    top = [line for line in out.splitlines() if "读者最多的稿件" in line or "第二名" in line]
    assert "200" in top[0] and "读者最多的稿件" in top[0] and "15" in top[1]
    assert "共 2 条，涉及 1 篇文章" in out


@pytest.mark.parametrize(
    "name",
    ["import_articles", "export_articles", "load_demo", "create_editor", "newsroom_stats"],
)
def test_every_command_explains_itself_in_help(name):
    parser = load_command_class("articles", name).create_parser("manage.py", name)
    text = parser.format_help()
    assert "--verbosity" in text and len(parser.description or "") > 15
