"""The browser harness itself: Chromium loads a page from the live server."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_chromium_renders_the_home_page(page):
    page.goto("/")
    assert "新闻网" in page.content()
