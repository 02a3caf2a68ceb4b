"""The browser harness itself: Chromium loads the home page from the live server."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_chromium_renders_the_home_page(page):
    page.goto("/")
    assert page.title() == "新闻网"
    assert page.get_by_role("link", name="新闻网").first.is_visible()
    assert page.get_by_role("main").count() == 1
