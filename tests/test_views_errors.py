"""404 and 500 pages in the site's own style; the 500 page needs no request and no database."""

import pytest
from django.template import loader
from django.test import Client

from articles.views import home


def test_500_page_renders_without_a_request_or_the_database():
    """No django_db mark: any query here would fail the test."""
    html = loader.get_template("500.html").render()
    assert "服务器错误" in html and 'lang="zh-Hans"' in html
    assert "/static/css/site.css" in html and 'href="/"' in html


@pytest.mark.django_db
def test_an_error_in_a_view_answers_the_styled_500_page(monkeypatch):
    def broken(self, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(home.HomeView, "get_context_data", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert "服务器错误" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_url_answers_the_styled_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "/static/css/site.css" in html
    assert '<meta name="robots" content="noindex">' in html
