"""The article admin: the changelist, the form's widgets, sanitising, tags and revisions."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import caching
from articles.models import Article, Byline
from tests.admin_forms import article_form_data, change_url, changelist_url
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CityFactory,
    DraftFactory,
    PhotoFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

PROSE_EDITOR_ASSETS = [
    "django_prose_editor/editor.js",
    "django_prose_editor/configurable.js",
    "django_prose_editor/editor.css",
    "django_prose_editor/overrides.css",
    "django_prose_editor/material-icons.css",
]


def make_articles(count):
    tags = [TagFactory(name=f"话题{n}") for n in range(4)]
    editor = AuthorFactory(name="付编辑", is_editor=True)
    city = CityFactory()
    for n in range(count):
        article = ArticleFactory(
            dateline_region=city,
            editor=editor,
            lead_photo=PhotoFactory(),
            bylines=[AuthorFactory(), AuthorFactory()],
        )
        article.tags.add(tags[n % 4], tags[(n + 1) % 4])


def changelist_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(changelist_url())
    assert response.status_code == 200
    return len(queries), response


def test_changelist_query_count_does_not_grow_with_rows(client, editor, django_assert_num_queries):
    """The list page costs the same queries for 5 rows as for 50 (no N+1), pinned at 50."""
    make_articles(5)
    client.force_login(editor)
    client.get(changelist_url())  # warms the cached site settings
    few, _response = changelist_queries(client)
    make_articles(45)
    with django_assert_num_queries(14):
        response = client.get(changelist_url())
    assert len(response.context["cl"].result_list) == 50
    assert few == 14


def test_changelist_shows_the_desk_columns(client, editor):
    """Status, region, bylines, editor, tags, views and a lead-photo thumbnail per row."""
    photo = PhotoFactory(alt_text="数安港夜景")
    article = ArticleFactory(
        lead_photo=photo,
        editor=AuthorFactory(name="付子豪"),
        bylines=[AuthorFactory(name="邵燕飞"), AuthorFactory(name="周健")],
        tag_names=["数据安全"],
        view_count=7298,
    )
    client.force_login(editor)
    html = client.get(changelist_url()).content.decode()
    assert article.title in html
    assert "邵燕飞、周健" in html
    assert "付子豪" in html
    assert "数据安全" in html
    assert str(article.dateline_region) in html
    assert "7298" in html or "7,298" in html
    assert photo.image.url in html and 'alt="数安港夜景"' in html


def test_search_covers_title_and_body(client, editor):
    """The search box finds words in the title and in the body."""
    by_title = ArticleFactory(title="温州数安港开园")
    by_body = ArticleFactory(body="<p>一段提到量子通信的正文。</p>")
    ArticleFactory(title="无关新闻")
    client.force_login(editor)
    found = lambda term: {  # noqa: E731
        a.pk for a in client.get(changelist_url(), {"q": term}).context["cl"].result_list
    }
    assert found("数安港") == {by_title.pk}
    assert found("量子通信") == {by_body.pk}


def test_filters_by_status_region_tag_author(client, editor):
    """Each sidebar filter narrows the list to matching stories, without duplicates."""
    writer = AuthorFactory(name="独家记者")
    target = ArticleFactory(tag_names=["独家"])
    Byline.objects.create(article=target, author=writer, role=Byline.Role.REPORTER, position=1)
    Byline.objects.create(article=target, author=writer, role=Byline.Role.PHOTOGRAPHER, position=2)
    draft = DraftFactory()
    ArticleFactory()
    client.force_login(editor)

    def ids(params):
        response = client.get(changelist_url(), params)
        return [a.pk for a in response.context["cl"].result_list]

    tag = target.tags.get()
    assert ids({"tag": tag.pk}) == [target.pk]
    assert ids({"author": writer.pk}) == [target.pk]
    assert ids({"province": target.province_id}) == [target.pk]
    assert ids({"status__exact": "draft"}) == [draft.pk]


def test_change_form_uses_autocomplete_for_relations(client, editor):
    """Editor, dateline region, lead photo, tags and byline authors autocomplete."""
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_add"))
    form = response.context["adminform"].form
    for name in ("editor", "dateline_region", "lead_photo", "tags"):
        assert "admin-autocomplete" in str(form[name]), name
    bylines = response.context["inline_admin_formsets"][0].formset
    assert "admin-autocomplete" in str(bylines.forms[0]["author"])


@pytest.mark.parametrize("user_fixture", ["reporter", "editor"])
def test_tag_autocomplete_answers_staff(client, request, user_fixture):
    """The tag box's search endpoint finds Chinese tags for reporters and editors alike."""
    TagFactory(name="人工智能")
    TagFactory(name="数据安全")
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "tags", "term": "人工"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in json.loads(response.content)["results"]] == ["人工智能"]


def test_prose_editor_assets_are_served_locally(client, editor):
    """The rich-text editor's scripts and styles come from our static files, no CDN."""
    client.force_login(editor)
    html = client.get(reverse("admin:articles_article_add")).content.decode()
    for asset in PROSE_EDITOR_ASSETS:
        assert f"/static/{asset}" in html, asset
        assert finders.find(asset), asset
    assert "data-django-prose-editor-configurable" in html
    # Lists need their item node, or the editor refuses to start in the browser.
    assert "ListItem" in html
    assert "cdn" not in html.lower()
    assert 'src="http' not in html and 'href="http' not in html


def test_body_is_sanitised_on_save(client, editor):
    """Scripts, event handlers, javascript: links and hidden junk never reach the database."""
    article = DraftFactory()
    client.force_login(editor)
    dirty = (
        '<p onclick="steal()">正文第一段。</p><script>alert(1)</script>'
        '<p><a href="javascript:alert(2)">坏链接</a><a href="https://example.com/">好链接</a></p>'
        '<p>可见<span style="display:none">隐藏的广告 casino</span></p>'
    )
    data = article_form_data(client, article, body=dirty)
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    body = article.body
    assert "正文第一段" in body and "好链接" in body
    for junk in ("<script", "alert", "onclick", "javascript:", "casino", "display:none"):
        assert junk not in body, junk


def test_tags_are_picked_and_created_on_the_form(client, editor):
    """Existing tags come from the autocomplete box; new ones from the comma-separated field."""
    existing = TagFactory(name="数据安全")
    article = DraftFactory()
    client.force_login(editor)
    data = article_form_data(
        client, article, tags=[str(existing.pk)], new_tags="人工智能，温州, 数据安全"
    )
    assert client.post(change_url(article), data).status_code == 302
    assert set(article.tags.names()) == {"数据安全", "人工智能", "温州"}


def test_saving_makes_cached_pages_stale(client, editor, django_capture_on_commit_callbacks):
    """An admin save bumps the content version once it commits."""
    article = DraftFactory()
    client.force_login(editor)
    before = caching.content_version()
    data = article_form_data(client, article, title="新标题")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(article), data)
    assert caching.content_version() > before


def test_editor_publishes_from_the_form(client, editor):
    """Choosing 已发布 with no publish time publishes now."""
    article = DraftFactory()
    client.force_login(editor)
    data = article_form_data(client, article, status="published")
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.is_published()


def test_form_refuses_publishing_with_spam_warnings_unless_confirmed(client, editor):
    """Text after (完) blocks publishing from the form until an editor ticks the confirm box."""
    article = DraftFactory(body="<p>正文。(完)</p><p>点击购买便宜手表</p>")
    client.force_login(editor)
    page = client.get(change_url(article)).content.decode()
    assert "点击购买" in page  # the warning is on the form before anyone saves
    data = article_form_data(client, article, status="published")
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert "完" in str(response.context["adminform"].form.non_field_errors())
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    data["confirm_warnings"] = "on"
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_reprint_without_provenance_is_a_form_error(client, editor):
    """Marking a reprint without source and URL is refused with a form error, not a 500."""
    article = DraftFactory()
    client.force_login(editor)
    data = article_form_data(client, article, is_reprint="on")
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors


def test_revisions_record_who_changed_what_and_restore(client, editor):
    """Every save is a revision with its author; an old one can be viewed and restored."""
    article = DraftFactory(title="第一版标题")
    client.force_login(editor)
    client.post(change_url(article), article_form_data(client, article, title="第二版标题"))
    article.refresh_from_db()
    assert article.title == "第二版标题"
    history = client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert history.status_code == 200
    assert "editor" in history.content.decode()
    latest = article.history.first()
    assert latest.history_user == editor
    first = article.history.earliest()
    url = reverse("admin:articles_article_simple_history", args=[article.pk, first.history_id])
    page = client.get(url)
    assert page.status_code == 200
    from tests.admin_forms import change_form_data

    response = client.post(url, change_form_data(page))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "第一版标题"
    assert article.version == 3


def test_site_settings_is_a_single_row(client, superuser):
    """The settings admin edits one row: no second add, no delete."""
    client.force_login(superuser)
    url = reverse("admin:articles_sitesettings_changelist")
    assert client.get(url)["Location"] == reverse("admin:articles_sitesettings_add")
    client.post(
        reverse("admin:articles_sitesettings_add"),
        {"site_name": "温州新闻网", "icp_number": "浙ICP备00000000号"},
    )
    assert client.get(url)["Location"] == reverse("admin:articles_sitesettings_change", args=[1])
    assert client.get(reverse("admin:articles_sitesettings_add")).status_code == 403
    delete = reverse("admin:articles_sitesettings_delete", args=[1])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    from articles.models import SiteSettings

    assert SiteSettings.current()["name"] == "温州新闻网"


def test_editors_see_open_report_counts_on_the_list(client, editor, reporter):
    """The list shows editors how many open reader reports each story has; not reporters."""
    from articles.models import Report

    article = ArticleFactory(created_by=reporter)
    for reason in (Report.Reason.RUMOUR, Report.Reason.SPAM):
        Report.objects.create(article=article, reason=reason, visitor_key=reason)
    Report.objects.create(
        article=article,
        reason=Report.Reason.OTHER,
        visitor_key="x",
        status=Report.Status.DISMISSED,
        decided_at=article.publish_at,
    )
    client.force_login(editor)
    response = client.get(changelist_url())
    assert "open_report_count" in response.context["cl"].list_display
    assert response.context["cl"].result_list[0].open_reports == 2
    client.force_login(reporter)
    response = client.get(changelist_url())
    assert "open_report_count" not in response.context["cl"].list_display
