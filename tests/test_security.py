"""Security headers and the production profile: check --deploy, CSP, and friends.

Public pages are cached and shared between readers, so their Content-Security-Policy
must not depend on a per-request nonce: they load scripts from files only.
"""

import contextlib
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from newsportal.headers import admin_script_hashes, script_hash
from tests.factories import ArticleFactory, AuthorFactory, CityFactory, TagFactory

ROOT = Path(__file__).resolve().parent.parent


def run_check_deploy(**extra_env):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="deploy-check-" + "Qm3vX9pL2sT7wN4kR8yB1cF6hJ0dG5zA" * 2,
        DJANGO_ALLOWED_HOSTS="example.com",
        **extra_env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_profile_passes_check_deploy_without_warnings():
    result = run_check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_profile_with_redis_passes_check_deploy_too():
    result = run_check_deploy(REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stdout + result.stderr


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._in_script = attrs

    def handle_data(self, data):
        attrs = self._in_script
        if attrs is not None and data.strip() and attrs.get("type") != "application/ld+json":
            self.problems.append(f"inline <script> body: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def inline_code(html):
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


@pytest.fixture
def public_urls(db):
    region = CityFactory()
    author = AuthorFactory()
    tag = TagFactory(name="安全")
    article = ArticleFactory(dateline_region=region, bylines=[author], tag_names=[tag.name])
    urls = {
        "home": reverse("articles:home"),
        "article": article.get_absolute_url(),
        "region": region.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "author": author.get_absolute_url(),
    }
    for name, kwargs in [("latest", {}), ("report", {"pk": article.pk}), ("search", {})]:
        with contextlib.suppress(NoReverseMatch):  # pages other helpers are still building
            urls[name] = reverse(f"articles:{name}", kwargs=kwargs)
    return urls


def test_public_pages_send_the_security_headers(client, public_urls):
    for name, url in public_urls.items():
        response = client.get(url, {"q": "新闻"} if name == "search" else {})
        assert response.status_code == 200, (name, url)
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["X-Frame-Options"] == "DENY", name
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", name
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert "camera=()" in response["Permissions-Policy"], name
        assert "geolocation=()" in response["Permissions-Policy"], name
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"]), name


def csp(response):
    return dict(
        [*part.split(" ", 1), ""][:2]
        for part in (p.strip() for p in response["Content-Security-Policy"].split(";"))
        if part
    )


def test_public_pages_have_a_strict_policy_without_nonces(client, public_urls):
    """Scripts and styles from our own files only; shared pages never carry a nonce."""
    for name, url in public_urls.items():
        policy = csp(client.get(url, {"q": "新闻"} if name == "search" else {}))
        assert policy["script-src"] == "'self'", name
        assert policy["style-src"] == "'self'", name
        assert policy["object-src"] == "'none'", name
        assert policy["frame-ancestors"] == "'none'", name
        assert policy["base-uri"] == "'self'", name
        assert policy["form-action"] == "'self'", name


def test_public_pages_contain_no_code_a_strict_policy_would_block(client, public_urls):
    for name, url in public_urls.items():
        html = client.get(url, {"q": "新闻"} if name == "search" else {}).content.decode()
        assert inline_code(html) == [], name


def test_the_finder_spots_inline_code():
    html = (
        '<script>alert(1)</script><script type="application/ld+json">{"a":1}</script>'
        '<a href=" JavaScript:x()">x</a><img src=x onerror=y><p style="color:red">'
    )
    assert len(inline_code(html)) == 4


def test_admin_login_page_is_protected_too(client, db):
    response = client.get(reverse("admin:login"))
    policy = csp(response)
    assert response.status_code == 200
    assert "'unsafe-inline'" not in policy["script-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert inline_code(response.content.decode()) == []


def test_the_admin_allows_prose_editors_import_map_by_its_hash(admin_client):
    """The one inline script of the admin (an import map) is allowed by hash, not wholesale."""
    try:
        url = reverse("admin:articles_article_add")
    except NoReverseMatch:
        pytest.skip("the article admin is not registered yet")
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    importmaps = re.findall(r'<script type="importmap"[^>]*>(.*?)</script>', html, re.S)
    assert importmaps, "the article form should load django-prose-editor"
    policy = csp(response)
    for body in importmaps:
        assert script_hash(body) in policy["script-src"].split()
    assert "'unsafe-inline'" not in policy["script-src"]
    assert set(policy["script-src"].split()) <= {"'self'", *admin_script_hashes()} | {
        token for token in policy["script-src"].split() if token.startswith("'nonce-")
    }


def test_public_pages_do_not_get_the_admin_hash(client, public_urls):
    assert all(
        h not in csp(client.get(public_urls["home"]))["script-src"] for h in admin_script_hashes()
    )
