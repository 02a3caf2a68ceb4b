"""Bad input to /search/: every case gets results or a clear message, never a 500."""

import pytest
from django.urls import reverse

from articles.search.documents import refresh_documents
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
URL = reverse("articles:search")


@pytest.fixture
def article():
    article = ArticleFactory(title="温州人工智能产业园开园", summary="园区聚焦AI与数据。")
    refresh_documents([article.pk])
    return article


def page(client, query_string):
    response = client.get(URL, QUERY_STRING=query_string)
    assert response.status_code == 200, response.status_code
    return response, response.content.decode()


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ("q=", "请输入要搜索的关键词"),
        ("q=%20%20%20", "请输入要搜索的关键词"),
        ("", "请输入要搜索的关键词"),
        ("q=" + "%E6%B8%A9" * 3500, "关键词太长"),  # 10.5 KB of 温
        ("q=" + "a" * 10_240, "关键词太长"),
        ("q=%F0%9F%98%80%F0%9F%8E%89", "没有可以搜索的文字"),  # emoji only
        ("q=%00%01%1F%7F", "请输入要搜索的关键词"),  # control characters only
        ("q=%26%7C%21%3A*%28%29%27", "没有可以搜索的文字"),  # & | ! :* ( ) '
        ("q=%25%25__", "没有可以搜索的文字"),  # LIKE wildcards
        ("q=%FF%FE%FD", "没有可以搜索的文字"),  # invalid UTF-8
    ],
)
def test_nothing_searchable_gets_a_message(client, article, query, expect):
    _, html = page(client, query)
    assert expect in html


@pytest.mark.parametrize(
    "query",
    [
        "q=%E6%B8%A9%E5%B7%9E%20%26%20%E4%BA%BA%E5%B7%A5",  # 温州 & 人工
        "q=%E6%B8%A9%E5%B7%9E%27%20%7C%20%27%21%E4%BA%BA%E5%B7%A5%3A*",  # 温州' | '!人工:*
        "q=%E6%B8%A9%E5%B7%9E%25",  # 温州%
        "q=%E6%B8%A9_%E5%B7%9E",  # 温_州
        "q=%E6%B8%A9%E5%B7%9E%F0%9F%98%80",  # 温州😀
        "q=%E6%B8%A9%E5%B7%9E%00%1B",  # 温州 + NUL, ESC
        "q=%E6%B8%A9%E5%B7%9E%FF",  # 温州 + invalid UTF-8
        "q=%E6%BA%AB%E5%B7%9E",  # 溫州 (traditional)
        "q=%E6%B8%A9",  # 温 (one character)
        "q=%E5%B7%A5%E6%99%BA",  # 工智 (a substring across words)
        "q=AI+%E6%B8%A9%E5%B7%9E",  # AI 温州
    ],
)
def test_hostile_input_around_a_real_word_still_finds_it(client, article, query):
    response, _ = page(client, query)
    assert [r.article.pk for r in response.context["results"]] == [article.pk]


@pytest.mark.parametrize(
    "query",
    [
        "q=%E6%B8%A9%E5%B7%9E%27%3B%20DROP%20TABLE%20articles_article%3B--",
        "q=%27%3B%20DELETE%20FROM%20articles_article%3B--",
        "q=1%27%20OR%20%271%27%3D%271",
    ],
)
def test_sql_in_the_query_is_just_words(client, article, query):
    """SQL is searched for as words (finding nothing here) and changes nothing."""
    _, html = page(client, query)
    assert "没有找到" in html
    assert type(article).objects.filter(pk=article.pk).exists()


@pytest.mark.parametrize(
    "number", ["0", "-1", "-99999999999999999999", "abc", "1.5", "99999999999999999999", ""]
)
def test_any_page_number_shows_a_page(client, article, number):
    response, _ = page(client, f"q=%E6%B8%A9%E5%B7%9E&page={number}")
    assert [r.article.pk for r in response.context["results"]] == [article.pk]


def test_a_page_beyond_the_end_says_so(client, article):
    _, html = page(client, "q=%E6%B8%A9%E5%B7%9E&page=7")
    assert "没有第 7 页" in html


@pytest.mark.parametrize(
    "query",
    [
        "q=a&date_from=2026-13-45",
        "q=a&date_from=0001-01-01",
        "q=a&date_to=9999-12-31",
        "q=a&date_from=%00",
        "q=a&region=%27%20OR%201%3D1",
        "q=a&region=" + "x" * 5000,
        "q=a&tag=%FF%FE",
        "q=a&order=sideways",
        "q=a&date_from=2999-01-01&date_to=2999-12-31",
    ],
)
def test_bad_filters_are_form_errors_or_empty_results(client, article, query):
    page(client, query)


def test_a_future_date_range_finds_nothing(client, article):
    response, html = page(client, "q=%E6%B8%A9%E5%B7%9E&date_from=2099-01-01")
    assert response.context["results"] == []
    assert "没有找到" in html


def test_repeated_parameters_use_the_last(client, article):
    response, _ = page(client, "q=%E7%8C%AB&q=%E6%B8%A9%E5%B7%9E")
    assert [r.article.pk for r in response.context["results"]] == [article.pk]
