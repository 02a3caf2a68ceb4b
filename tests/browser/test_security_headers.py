"""The strict Content-Security-Policy in a real browser: nothing of ours is blocked.

Staff log in through the admin form and write in django-prose-editor (ES modules plus an
import map allowed by hash); readers' pages load without a single CSP violation.
"""

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')), true);
"""


@pytest.fixture
def watched(page):
    page.context.add_init_script(WATCH)
    errors = []

    def console(message):
        # Chromium asks for /favicon.ico on admin pages, which declare no icon.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location['url']}")

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    return page


def violations(page):
    return page.evaluate("window.__csp")


def test_staff_log_in_and_write_with_the_prose_editor_under_the_policy(watched):
    UserFactory(username="desk", is_superuser=True)
    page = watched
    page.goto(reverse("admin:login"))
    page.fill("#id_username", "desk")
    page.fill("#id_password", "correct-horse-battery-staple")
    with page.expect_navigation():
        page.click("#login-form input[type=submit]")
    assert page.url.endswith(reverse("admin:index"))

    page.goto(reverse("admin:articles_article_add"))
    editor = page.locator(".ProseMirror >> visible=true").first
    editor.wait_for(state="visible")
    editor.click()
    page.keyboard.type("浏览器里写的正文")
    assert "浏览器里写的正文" in editor.inner_text()
    assert violations(page) == []
    assert page.errors == []


def test_reader_pages_load_without_violations(watched):
    article = ArticleFactory(tag_names=["安全"])
    page = watched
    for path in [reverse("articles:home"), article.get_absolute_url()]:
        page.goto(path)
        page.wait_for_load_state("load")
        assert violations(page) == [], path
    assert page.errors == []


def test_the_policy_blocks_an_injected_inline_script(watched, live_server):
    """The policy is really enforced: inline code on our origin does not run."""
    page = watched
    page.goto(reverse("articles:home"))
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__ran = true'; document.body.append(s); }"""
    )
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in violations(page))
