"""The newsroom in Chromium: a reporter writes a draft with a photo and tags but cannot
publish it; an editor publishes it; readers then see it with its wire line and photo credit.

Both log in through the admin login form with their real passwords.
"""

import pytest
from django.conf import settings

from articles.models import Article
from tests.factories import (
    AuthorFactory,
    CityFactory,
    EditorFactory,
    PhotographerFactory,
    RegionFactory,
    ReporterFactory,
    TagFactory,
    jpeg_bytes,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-staple"  # the factories' password
TITLE = "温州数安港迎来首批数据企业入驻"
ADMIN = "/" + settings.ADMIN_URL


@pytest.fixture
def newsroom():
    reporter = ReporterFactory(username="shao")
    AuthorFactory(name="邵燕飞", slug="shao-yanfei", user=reporter)
    EditorFactory(username="fu")
    PhotographerFactory(name="王斌", slug="wang-bin")
    CityFactory(name="温州", slug="wenzhou", parent=RegionFactory(name="浙江", slug="zhejiang"))
    TagFactory(name="数据安全")


def log_in(page, username):
    page.goto(ADMIN + "login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{ADMIN}")


def log_out(page):
    page.goto(ADMIN)
    page.click("#logout-form button")


def autocomplete(page, field, term, choice):
    """Pick `choice` in the admin's select2 box for `field` after typing `term`."""
    page.click(f"#id_{field} + .select2")
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(term)
    page.locator(".select2-results__option", has_text=choice).first.click()


def upload_photo(page):
    page.goto(ADMIN + "articles/photo/add/")
    page.set_input_files(
        "#id_upload",
        {"name": "port.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(900, 600)},
    )
    page.fill("#id_caption", "中国(温州)数安港一景。")
    page.fill("#id_alt_text", "数安港园区大楼外景")
    autocomplete(page, "photographer", "王斌", "王斌")
    page.click("input[name=_save]")
    page.wait_for_url(f"**{ADMIN}articles/photo/")


def write_draft(page):
    page.goto(ADMIN + "articles/article/add/")
    page.fill("#id_title", TITLE)
    editor = page.locator(".ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.type("首批数据企业今天入驻数安港。")
    page.keyboard.press("Enter")
    page.keyboard.type("园区负责人介绍了下一步计划。")
    page.fill("#id_source", "中新网")
    autocomplete(page, "dateline_region", "温州", "温州")
    page.fill("#id_dateline_date", "2026-01-16")
    autocomplete(page, "lead_photo", "数安港", "数安港一景")
    autocomplete(page, "tags", "数据", "数据安全")
    page.fill("#id_new_tags", "温州，数字经济")
    # A reporter is offered draft and review only: publishing is not in the list at all.
    statuses = page.locator("#id_status option").evaluate_all("os => os.map(o => o.value)")
    assert statuses == ["draft", "review"]
    assert page.locator("#id_publish_at_0").count() == 0
    page.select_option("#id_status", "review")
    page.click("input[name=_save]")
    page.wait_for_url(f"**{ADMIN}articles/article/")


def test_reporter_drafts_editor_publishes_reader_reads(page, newsroom):
    log_in(page, "shao")
    upload_photo(page)
    write_draft(page)

    article = Article.objects.get(title=TITLE)
    assert article.status == Article.Status.REVIEW
    assert set(article.tags.names()) == {"数据安全", "温州", "数字经济"}
    assert "<p>首批数据企业今天入驻数安港。</p>" in article.body
    actions = page.locator("select[name=action] option").evaluate_all("os => os.map(o => o.value)")
    assert "publish_now" not in actions
    assert page.goto(article.get_absolute_url()).status == 404  # not public yet
    log_out(page)

    log_in(page, "fu")
    page.goto(ADMIN + "articles/article/")
    page.check(f"input[name=_selected_action][value='{article.pk}']")
    page.select_option("select[name=action]", "publish_now")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    article.refresh_from_db()
    assert article.is_published()
    log_out(page)

    page.goto(article.get_absolute_url())
    assert page.locator("h1").inner_text() == TITLE
    wire = page.locator(".wire-line").inner_text()
    assert wire == "中新网温州1月16日电(邵燕飞)", wire
    credit = page.locator(".lead-photo figcaption").inner_text()
    assert credit == "中国(温州)数安港一景。 王斌 摄"
