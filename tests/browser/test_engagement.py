"""阅读 / 支持 / 举报 in Chromium: the read beacon, the like button with and without JS, reports."""

import time

import pytest
from playwright.sync_api import expect

from articles.counters import get_counter
from articles.models import Article, Report
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Headless Chromium says "HeadlessChrome", which the bot filter rightly refuses to count.
DESKTOP = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def shown_reads(article):
    article.refresh_from_db()
    return article.view_count + get_counter().pending([article.pk]).get(article.pk, 0)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.fixture
def reader_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", user_agent=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def reader_page_without_js(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, user_agent=DESKTOP
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_like_button_changes_its_count_in_place(reader_page):
    """With JavaScript the count goes up without leaving the page, and stays liked."""
    article = ArticleFactory(like_count=95)
    reader_page.goto(article.get_absolute_url())
    reader_page.evaluate("window.stillHere = true")
    reader_page.get_by_role("button", name="支持").click()
    count = reader_page.locator("[data-like-count]")
    count.filter(has_text="96").wait_for()
    assert reader_page.evaluate("window.stillHere") is True
    button = reader_page.locator("[data-like-button]")
    assert button.inner_text() == "已支持" and button.is_disabled()
    reader_page.reload()
    assert reader_page.locator("[data-like-button]").inner_text() == "已支持"
    article.refresh_from_db()
    assert article.like_count == 96


def test_like_works_without_javascript(reader_page_without_js):
    """The plain form posts, comes back to the article and shows the new count at once."""
    article = ArticleFactory(like_count=4)
    page = reader_page_without_js
    page.goto(article.get_absolute_url())
    page.get_by_role("button", name="支持").click()
    page.wait_for_url(f"**{article.get_absolute_url()}#engagement")
    assert "感谢支持" in page.locator(".engagement").inner_text()
    assert page.locator("[data-like-count]").inner_text() == "5"
    page.get_by_role("button", name="支持").click()
    # The form posts and the page comes back: wait for the new page, not the old one.
    expect(page.locator(".engagement")).to_contain_text("您已经支持过了")
    assert Article.objects.get(pk=article.pk).like_count == 5


def test_report_form_submits_into_the_queue(reader_page):
    article = ArticleFactory()
    reader_page.goto(article.get_absolute_url())
    reader_page.get_by_role("link", name="举报").click()
    reader_page.get_by_label("谣言").check()
    reader_page.get_by_label("补充说明").fill("与当地通报不一致")
    reader_page.get_by_role("button", name="提交举报").click()
    reader_page.wait_for_url(f"**{article.get_absolute_url()}")
    assert "举报已收到" in reader_page.locator(".engagement").inner_text()
    report = Report.objects.get()
    assert (report.article_id, report.reason, report.detail) == (
        article.pk,
        Report.Reason.RUMOUR,
        "与当地通报不一致",
    )


def test_a_read_is_counted_once_after_the_page_loads(reader_page):
    """The beacon fires after load; reloading within 30 minutes does not count again."""
    article = ArticleFactory()
    reader_page.goto(article.get_absolute_url())
    assert wait_for(lambda: shown_reads(article) == 1)
    reader_page.reload()
    reader_page.wait_for_load_state("load")
    time.sleep(0.5)
    assert shown_reads(article) == 1


def test_readers_without_javascript_are_counted_by_the_pixel(reader_page_without_js):
    article = ArticleFactory()
    reader_page_without_js.goto(article.get_absolute_url())
    assert wait_for(lambda: shown_reads(article) == 1)
