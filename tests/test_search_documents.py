"""Search documents follow every save; rebuild_search_index rebuilds them in batches."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from articles.models import Article, Byline, SearchDocument
from articles.search import engine
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


def test_a_split_off_character_still_finds_its_phrase(
    django_capture_on_commit_callbacks,
):
    """温州茶 (温州 + 茶) finds 温州茶叶 through the indexed pair 州茶, not through 茶:*."""
    with django_capture_on_commit_callbacks(execute=True):
        tea = ArticleFactory(title="温州茶叶出口增长")
        ArticleFactory(title="温州港口吞吐量增长")
        ArticleFactory(title="杭州茶园迎来采摘季")
    assert found("温州茶") == [tea.pk]


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


@pytest.mark.parametrize(
    "change",
    [
        {"retracted_at": timezone.now(), "retraction_reason": "重复稿件"},
        {"status": Article.Status.UNPUBLISHED},
        {"status": Article.Status.DRAFT},
        {"expires_at": timezone.now() - timedelta(minutes=1)},
    ],
    ids=["retracted", "unpublished", "draft", "expired"],
)
def test_a_lagging_document_never_shows_an_unlisted_article(
    change, django_capture_on_commit_callbacks
):
    """An update() that skips the signals still removes the result: search checks listed()."""
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="港珠澳大桥通行车辆创新高")
        ArticleFactory(title="港珠澳大桥旅游升温")
    Article.objects.filter(pk=article.pk).update(**change)
    assert SearchDocument.objects.filter(pk=article.pk).exists()
    assert article.pk not in found("港珠澳大桥")
    assert len(found("港珠澳大桥")) == 1


def test_an_article_expiring_later_is_found_until_then(django_capture_on_commit_callbacks):
    expires = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="限时展览开幕", expires_at=expires)
    assert found("限时展览") == [article.pk]
    assert ranked_ids(Search(parse("限时展览")), now=expires + timedelta(minutes=1)) == []


@pytest.mark.parametrize(
    ("window", "ages"),
    [
        (2, (1, 2, 3)),
        (2, (1, 100, 500)),
        (2, (1, 500, 900)),
        (2, (300, 500, 900)),
        (3, (1, 40, 100, 200, 500)),
        (7, (1, 100, 200, 300, 400, 500, 600, 700, 900)),
    ],
)
def test_the_window_is_the_newest_matches_whatever_stretch_finds_them(
    window, ages, monkeypatch, django_capture_on_commit_callbacks
):
    """Two months, a year or the whole archive: the window is always the newest matches."""
    monkeypatch.setattr(engine, "WINDOW", window)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        articles = [
            ArticleFactory(title="南水北调工程", publish_at=now - timedelta(days=days))
            for days in ages
        ]
    newest = ranked_ids(Search(parse("南水北调"), newest_first=True))
    assert newest == [article.pk for article in articles[:window]]
    assert sorted(found("南水北调")) == sorted(newest)


@pytest.mark.parametrize(("window", "since"), [(1, None), (2, None), (2, 600), (5, 2000)])
def test_a_date_range_window_is_the_newest_matches_in_the_range(
    window, since, monkeypatch, django_capture_on_commit_callbacks
):
    """Stretches count back from the end of a date range, never past its start."""
    monkeypatch.setattr(engine, "WINDOW", window)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        articles = [
            ArticleFactory(title="南水北调工程", publish_at=now - timedelta(days=days))
            for days in (10, 100, 400, 430, 500, 900, 1500)
        ]
    today = timezone.localdate()
    start = today - timedelta(days=since) if since else None
    search = Search(
        parse("南水北调"), date_from=start, date_to=today - timedelta(days=300), newest_first=True
    )
    in_range = [a for a in articles[2:] if since is None or a.publish_at.date() >= start]
    assert ranked_ids(search) == [a.pk for a in in_range[:window]]


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


@pytest.mark.django_db(transaction=True)
def test_rebuild_with_workers_matches_one_process(postgres):
    """Two worker processes, each with its own connection, write the same documents."""
    articles = ArticleFactory.create_batch(7, title="跨境电商订单增长")
    hidden = DraftFactory(title="跨境电商草稿")
    SearchDocument.objects.create(article=hidden, publish_at=timezone.now())
    output = rebuild("--workers", "2", "--batch-size", "2")
    assert "7" in output
    assert set(SearchDocument.objects.values_list("pk", flat=True)) == {a.pk for a in articles}
    with connection.cursor() as cursor:
        cursor.execute("SELECT vector, head_vector FROM articles_searchdocument ORDER BY 1")
        parallel = cursor.fetchall()
    rebuild("--workers", "1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT vector, head_vector FROM articles_searchdocument ORDER BY 1")
        assert cursor.fetchall() == parallel


@pytest.mark.parametrize(
    "args", [["--batch-size", "0"], ["--start-after", "-1"], ["--workers", "0"]]
)
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
