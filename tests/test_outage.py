"""A database outage gives readers a styled 503 with Retry-After, never a 500 or a traceback."""

import re
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse

from newsportal.outage import is_database_outage
from tests.factories import ArticleFactory


@pytest.fixture
def reader():
    # The default test client re-raises view exceptions; a reader's browser does not.
    return Client(raise_request_exception=False)


def refusing(error):
    """Every new query fails as if the server were gone (patched until the block ends)."""

    def refuse(self):
        raise error('connection to server at "127.0.0.1", port 5432 failed')

    # Undone before the test database is rolled back, unlike monkeypatch.
    return mock.patch.object(BaseDatabaseWrapper, "ensure_connection", refuse)


@pytest.fixture
def database_down(db):
    with refusing(OperationalError):
        yield


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_pages_answer_503_while_the_database_is_down(reader, db, error, settings):
    article = ArticleFactory()
    urls = [reverse("articles:home"), article.get_absolute_url()]
    with refusing(error):
        responses = [reader.get(url) for url in urls]
    for url, response in zip(urls, responses, strict=True):
        assert response.status_code == 503, url
        assert response["Retry-After"] == str(settings.OUTAGE_RETRY_AFTER)
        assert response["Cache-Control"] == "no-store"
        html = response.content.decode()
        assert "服务暂时不可用" in html
        assert "Traceback" not in html and "OperationalError" not in html


def test_the_outage_page_is_styled_under_the_strict_policy(reader, database_down):
    """Its inline <style> carries the request's nonce, which the CSP header allows."""
    response = reader.get(reverse("articles:home"))
    nonce = re.search(r'<style nonce="([^"]+)">', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert response["X-Request-ID"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_other_errors_still_answer_500(reader, db, monkeypatch):
    from django.views.generic.base import View

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(View, "dispatch", broken)
    response = reader.get(reverse("articles:home"))
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_outage_is_recognised_through_wrapping_exceptions():
    try:
        try:
            raise OperationalError("down")
        except OperationalError as exc:
            raise RuntimeError("template failed") from exc
    except RuntimeError as wrapped:
        assert is_database_outage(wrapped)
    assert not is_database_outage(ValueError("nope"))
    assert not is_database_outage(None)
