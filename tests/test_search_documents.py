"""Search documents follow every save; rebuild_search_index rebuilds them in batches."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from articles.models import Article, Byline, SearchDocument
from articles.search.engine import Search, ranked_ids
from articles.search.query import parse
from tests.factories import ArticleFactory, AuthorFactory, DraftFactory

pytestmark = pytest.mark.django_db


def found(text):
    return ranked_ids(Search(parse(text)))


def test_publishing_an_article_makes_it_searchable(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="温州数安港发布数据新规")
    assert SearchDocument.objects.filter(pk=article.pk).exists()
    assert found("数安港") == [article.pk]


def test_one_transaction_refreshes_an_article_once(django_capture_on_commit_callbacks):
    """Article, byline and tag signals of one save share one after-commit refresh."""
    with django_capture_on_commit_callbacks() as callbacks:
        article = ArticleFactory(title="杭州亚运会场馆开放", tag_names=["体育"])
        Byline.objects.create(article=article, author=AuthorFactory(), position=1)
    refreshes = [c for c in callbacks if getattr(c, "ids", None) is not None]
    assert len(refreshes) == 1
    assert refreshes[0].ids == {article.pk}
    refreshes[0]()
    assert found("亚运会") == [article.pk]


def test_edits_bylines_and_tags_are_searchable(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="普通标题")
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "成渝中线高铁隧道贯通"
        article.save()
    assert found("高铁") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        Byline.objects.create(article=article, author=AuthorFactory(name="欧阳明月"), position=1)
    assert found("欧阳明月") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        article.tags.add("低空经济")
    assert found("低空经济") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        article.tags.clear()
    assert found("低空经济") == []


@pytest.mark.parametrize("change", ["unpublish", "retract", "delete"])
def test_an_article_leaving_the_site_loses_its_document(change, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="淄博烧烤再迎客流高峰")
    with django_capture_on_commit_callbacks(execute=True):
        if change == "unpublish":
            article.status = Article.Status.UNPUBLISHED
            article.save()
        elif change == "retract":
            article.retracted_at = timezone.now()
            article.retraction_reason = "事实有误"
            article.save()
        else:
            article.delete()
    assert not SearchDocument.objects.exists()
    assert found("烧烤") == []


def test_a_lagging_document_never_shows_a_retracted_article(django_capture_on_commit_callbacks):
    """An update() that skips the signals still removes the result: search uses listed()."""
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="港珠澳大桥通行车辆创新高")
    Article.objects.filter(pk=article.pk).update(
        retracted_at=timezone.now(), retraction_reason="重复稿件"
    )
    assert SearchDocument.objects.filter(pk=article.pk).exists()
    assert found("港珠澳大桥") == []


def test_scheduled_articles_are_found_only_from_their_time(django_capture_on_commit_callbacks):
    at = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="世界互联网大会乌镇峰会开幕", publish_at=at)
    assert found("乌镇") == []
    assert ranked_ids(Search(parse("乌镇")), now=at + timedelta(minutes=1)) == [article.pk]


def test_drafts_get_no_document(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        DraftFactory(title="尚未发布的草稿")
    assert not SearchDocument.objects.exists()


def test_a_failed_transaction_leaves_no_pending_refresh(django_capture_on_commit_callbacks):
    """A rolled-back savepoint's refresh is forgotten; the next save still gets one."""
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                ArticleFactory(title="回滚的文章")
                raise RuntimeError
        except RuntimeError:
            pass
        article = ArticleFactory(title="保留的文章")
    assert list(SearchDocument.objects.values_list("pk", flat=True)) == [article.pk]


def rebuild(*args):
    out = StringIO()
    call_command("rebuild_search_index", *args, stdout=out)
    return out.getvalue()


def test_rebuild_writes_every_searchable_article_and_drops_the_rest():
    articles = ArticleFactory.create_batch(5, title="南音进校园")
    DraftFactory(title="南音草稿")
    SearchDocument.objects.create(article=DraftFactory(), publish_at=timezone.now())
    output = rebuild("--batch-size", "2", "--verbosity", "1")
    assert "5" in output
    assert set(SearchDocument.objects.values_list("pk", flat=True)) == {a.pk for a in articles}
    assert sorted(found("南音")) == sorted(a.pk for a in articles)
    rebuild("--batch-size", "2")
    assert SearchDocument.objects.count() == 5


def test_rebuild_resumes_after_an_id_and_dry_run_writes_nothing():
    first, second = ArticleFactory.create_batch(2, title="冰雪大世界开园")
    assert "2" in rebuild("--dry-run")
    assert not SearchDocument.objects.exists()
    rebuild("--start-after", str(first.pk), "--verbosity", "0")
    assert list(SearchDocument.objects.values_list("pk", flat=True)) == [second.pk]


@pytest.mark.parametrize("args", [["--batch-size", "0"], ["--start-after", "-1"]])
def test_rebuild_refuses_bad_arguments(args):
    with pytest.raises(CommandError):
        rebuild(*args)


def test_the_gin_index_exists_on_postgresql(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'search_document_vector_gin'"
        )
        assert "gin (vector)" in cursor.fetchone()[0]


def test_postgresql_parses_each_token_as_one_lexeme(postgres):
    """The `simple` configuration keeps our tokens intact, so query lexemes match them."""
    tokens = ["温州", "人工智能", "ai", "2026", "iphone15", "5g", "ひらがな", "café"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(to_tsvector('simple', %s))", [" ".join(tokens)])
        assert sorted(cursor.fetchone()[0]) == sorted(tokens)
