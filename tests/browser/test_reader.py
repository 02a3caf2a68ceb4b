"""The article page read in Chromium: the wire line, photo credits, sharing, and no JavaScript.

(The like button and the report form are exercised in the reader-signals browser tests.)
"""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests import reader_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def story():
    return reader_data.wire_story()


def test_reader_sees_the_wire_line_and_the_photo_credit(page, story):
    page.goto(story.get_absolute_url())
    assert page.locator("h1").inner_text() == reader_data.TITLE
    assert page.locator(".wire-line").inner_text() == reader_data.WIRE_LINE
    caption = page.locator(".article-body figure figcaption")
    assert caption.inner_text() == f"{reader_data.CAPTION} {reader_data.CREDIT}"
    assert page.locator(".article-body figure img").get_attribute("alt") == "集装箱码头上的岸桥"
    assert page.locator(".article-body p").last.inner_text().endswith("(完)")
    assert page.locator(".editor-line").inner_text() == "【编辑:王可】"


def test_copy_link_puts_the_canonical_url_on_the_clipboard(page, story, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(story.get_absolute_url())
    page.get_by_role("button", name="复制链接").click()
    # The clipboard write is asynchronous: the status line follows it.
    expect(page.get_by_role("status").filter(has_text="链接已复制")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{settings.SITE_URL}{story.get_absolute_url()}"


def test_share_button_hands_title_and_url_to_the_browser_share_sheet(page, story):
    # Chromium on Linux has no share sheet: stand one in that records what it was given.
    page.add_init_script(
        "navigator.share = function (data) { window.sharedWith = data; return Promise.resolve(); };"
    )
    page.goto(story.get_absolute_url())
    page.get_by_role("button", name="分享到…").click()
    shared = page.evaluate("window.sharedWith")
    assert shared == {
        "title": reader_data.TITLE,
        "url": f"{settings.SITE_URL}{story.get_absolute_url()}",
    }


def test_no_share_sheet_means_no_share_button(page, story):
    page.add_init_script("delete Navigator.prototype.share;")
    page.goto(story.get_absolute_url())
    expect(page.get_by_role("button", name="复制链接")).to_be_visible()
    expect(page.get_by_role("button", name="分享到…")).to_be_hidden()


def test_the_qr_code_opens_for_wechat(page, story):
    page.goto(story.get_absolute_url())
    qr = page.locator(".share-qr svg")
    assert not qr.is_visible()
    page.get_by_text("微信扫一扫").click()
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 100 and box["width"] == box["height"]


def test_the_page_works_with_javascript_disabled(page_without_js, story):
    page = page_without_js
    response = page.goto(story.get_absolute_url())
    assert response.status == 200
    assert page.locator(".wire-line").inner_text() == reader_data.WIRE_LINE
    assert page.locator(".article-body figure figcaption").is_visible()
    # Buttons that would need a script stay hidden; the link and the QR code still work.
    assert not page.get_by_role("button", name="复制链接").is_visible()
    assert page.get_by_label("本文链接").input_value().endswith(story.get_absolute_url())
    page.get_by_text("微信扫一扫").click()
    assert page.locator(".share-qr svg").is_visible()
    # Lists and tags are plain links.
    page.get_by_role("link", name="港口", exact=True).click()
    assert page.locator("h1").inner_text() == "标签：港口"


def test_a_phone_sized_screen_has_no_horizontal_scroll(browser, live_server, story):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, device_scale_factor=2
    )
    try:
        page = context.new_page()
        for url in ("/", story.get_absolute_url(), "/latest/"):
            page.goto(url)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, url
    finally:
        context.close()
