"""Prepared queries: compiled once, run with each call's values, same rows as the ORM."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from articles.prepared import PreparedModelQuery, PreparedQuery
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

FIELDS = ("id", "slug", "title", "publish_at")


def newest(now, ids):
    return (
        Article.objects.listed(now)
        .filter(pk__in=ids)
        .newest_first()
        .annotate(doubled=Article._meta.pk.get_col("articles_article") * 2)
        .values_list(*FIELDS, "doubled")
    )


def test_rows_match_the_orm_for_every_call_and_shape(django_assert_num_queries):
    """Each call substitutes its own values; a longer list is a shape of its own."""
    now = timezone.now()
    stories = [
        ArticleFactory(title=f"第{n}篇", publish_at=now - timedelta(hours=n)) for n in range(4)
    ]
    ids = [s.pk for s in stories]
    query = PreparedQuery(newest, Article, FIELDS, ("doubled",))
    for chosen in (ids[:2], ids[1:3], ids):
        with django_assert_num_queries(1):
            found = query(now=now, ids=chosen)
        expected = list(Article.objects.filter(pk__in=chosen).order_by("-publish_at"))
        assert found == expected
        assert [(a.title, a.slug, a.publish_at) for a in found] == [
            (a.title, a.slug, a.publish_at) for a in expected
        ]
        assert [a.doubled for a in found] == [a.pk * 2 for a in found]
    if connection.vendor == "postgresql":
        assert all(query._compiled.values()), "compiled, not evaluated through the ORM"
    # The time is a value too: an hour ago, the newest story was not published yet.
    assert query(now=now - timedelta(minutes=30), ids=ids) == stories[1:]


def test_instances_defer_the_fields_not_fetched():
    story = ArticleFactory(body="<p>正文</p>")
    found = PreparedQuery(newest, Article, FIELDS, ("doubled",))(now=timezone.now(), ids=[story.pk])
    assert found[0].get_deferred_fields() >= {"body"}
    assert found[0].body == "<p>正文</p>"  # loaded on access, like only()


def test_only_datetimes_and_integers_are_prepared():
    query = PreparedQuery(
        lambda title: Article.objects.filter(title=title).values_list(*FIELDS), Article, FIELDS
    )
    with pytest.raises(TypeError):
        query(title="标题")


def test_instances_with_their_joined_rows_match_the_orm(django_assert_num_queries):
    """select_related() objects, JSON fields and annotations, as QuerySet iteration gives."""
    from articles.views.detail import page_queryset
    from tests.factories import PhotoFactory

    photo = PhotoFactory(renditions={"jpeg": {"320": "a.jpg"}})
    story = ArticleFactory(lead_photo=photo)
    query = PreparedModelQuery(lambda pk: page_queryset().filter(pk=pk)[:1], Article)
    for _ in range(2):
        with django_assert_num_queries(1):
            (found,) = query(pk=story.pk)
    expected = page_queryset().get(pk=story.pk)
    assert found.__dict__.keys() == expected.__dict__.keys()
    assert found.lead_photo.renditions == {"jpeg": {"320": "a.jpg"}}
    assert found.dateline_region == expected.dateline_region
    assert (found.has_inline_photos, found.has_corrections) == (False, False)
    assert query(pk=story.pk + 1000) == []
    assert query(pk=10**30) == [], "out of any integer column's range: no rows, no error"


def prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_on_postgresql_the_page_queries_become_prepared_statements(postgres, client):
    """After five runs on a connection PostgreSQL keeps the plan; the page stays the same."""
    article = ArticleFactory(title="港口复工")
    url = article.get_absolute_url()
    first = client.get(url, HTTP_COOKIE="messages=x")  # past the page cache
    for _ in range(5):
        client.get(url, HTTP_COOKIE="messages=x")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_COOKIE="messages=x")
    assert again.content == first.content and "港口复工" in again.content.decode()
    prepared = prepared_statements()
    assert any(s.startswith('SELECT "articles_article"."id"') for s in prepared), prepared
    # Still counted and logged like any other query, with its values.
    logged = [q["sql"] for q in queries.captured_queries]
    assert any(f'"articles_article"."id" = {article.pk}' in sql for sql in logged), logged


def prepared_runs():
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(generic_plans + custom_plans) FROM pg_prepared_statements")
        return cursor.fetchone()[0] or 0


def test_prepared_statements_can_be_switched_off(postgres, client, settings):
    """No prepared statement runs, even one an earlier page prepared on this connection."""
    article = ArticleFactory()
    for _ in range(6):
        client.get(article.get_absolute_url(), HTTP_COOKIE="messages=x")
    settings.DATABASE_PREPARED_STATEMENTS = False
    before = prepared_runs()
    for _ in range(3):
        client.get(article.get_absolute_url(), HTTP_COOKIE="messages=x")
    assert prepared_runs() == before
