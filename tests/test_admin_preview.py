"""Draft preview: a signed, expiring link that shows the article as readers will see it."""

import time

import pytest
from django.urls import reverse

from articles import preview
from tests.admin_forms import change_url
from tests.factories import DraftFactory, PhotoFactory

pytestmark = pytest.mark.django_db


def test_change_form_offers_a_preview_link_that_renders_the_draft(client, editor):
    """The change form links to the preview; the link shows the unpublished story."""
    article = DraftFactory(title="尚未发布的稿件", lead_photo=PhotoFactory())
    client.force_login(editor)
    form_html = client.get(change_url(article)).content.decode()
    url = preview.preview_url(article)
    assert url.split("/preview/")[0] + "/preview/" in form_html
    client.logout()
    response = client.get(url)  # the link alone is enough: it can go to a colleague
    assert response.status_code == 200
    html = response.content.decode()
    assert "尚未发布的稿件" in html
    assert "preview-banner" in html
    assert article.lead_photo.credit in html


def test_preview_is_never_cached_nor_indexed(client):
    """Preview responses carry never_cache headers and X-Robots-Tag: noindex."""
    article = DraftFactory()
    response = client.get(preview.preview_url(article))
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control and "no-store" in cache_control
    assert "private" in cache_control
    assert "noindex" in response["X-Robots-Tag"]


def test_preview_query_count_is_pinned(client, django_assert_num_queries):
    """The preview page costs a fixed number of queries."""
    article = DraftFactory()
    url = preview.preview_url(article)
    client.get(url)  # warms the cached site settings and sidebars
    # The draft (with EXISTS probes for inline photos and corrections), bylines, tags,
    # related articles.
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200


def test_expired_link_is_gone(client, settings, monkeypatch):
    """After PREVIEW_MAX_AGE seconds the link answers 410, never the draft."""
    article = DraftFactory(title="过期预览")
    url = preview.preview_url(article)
    later = time.time() + settings.PREVIEW_MAX_AGE + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.get(url)
    assert response.status_code == 410
    assert "过期预览" not in response.content.decode()
    assert "noindex" in response["X-Robots-Tag"]


@pytest.mark.parametrize("token", ["garbage", "1:abc:def", "%E4%B8%AD%E6%96%87"])
def test_forged_or_mangled_tokens_are_not_found(client, token):
    """A token that was not signed by us is a 404, not a 500 and not a draft."""
    DraftFactory()
    assert client.get(f"/preview/{token}/").status_code == 404


def test_token_for_a_deleted_article_is_not_found(client):
    """A valid signature for an article that no longer exists is a 404."""
    article = DraftFactory()
    url = preview.preview_url(article)
    article.delete()
    assert client.get(url).status_code == 404


def test_preview_url_is_under_the_reader_site():
    """The preview lives at /preview/<token>/ (articles:preview)."""
    article = DraftFactory()
    assert reverse("articles:preview", kwargs={"token": "x"}) == "/preview/x/"
    assert preview.preview_url(article).startswith("/preview/")
