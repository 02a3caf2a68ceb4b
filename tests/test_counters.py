"""Read counters: both backends count atomically, dedupe, and the Redis flush is crash-safe."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.counters import RateLimited, get_counter, upsert
from articles.counters import flush as flush_module
from articles.counters.db_backend import DatabaseCounter
from articles.counters.redis_backend import RedisCounter
from articles.counters.tokens import check_page_token, page_token
from articles.models import Article, CounterFlush, DailyReads
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_counter(settings):
    settings.REDIS_URL = ""
    counter = get_counter()
    assert isinstance(counter, DatabaseCounter)
    return counter


@pytest.fixture
def redis_counter(settings, redis_url):
    settings.REDIS_URL = redis_url
    counter = get_counter()
    assert isinstance(counter, RedisCounter)
    return counter


def totals(article):
    article.refresh_from_db()
    daily = sum(DailyReads.objects.filter(article=article).values_list("count", flat=True))
    return article.view_count, daily


# --- the database counter ----------------------------------------------------------------


def test_database_counter_writes_each_read_to_the_day_row_and_the_total(db_counter):
    """Without Redis every read lands at once in DailyReads and Article.view_count."""
    article = ArticleFactory()
    for visitor in ("a" * 32, "b" * 32, "c" * 32):
        assert db_counter.record_read(article.pk, visitor)
    assert totals(article) == (3, 3)
    assert db_counter.pending([article.pk]) == {}
    row = DailyReads.objects.get(article=article)
    assert row.day == timezone.localdate()


def test_same_visitor_counts_once_per_article_within_the_window(db_counter):
    """A re-read by the same visitor is not counted again; another article is."""
    first, second = ArticleFactory(), ArticleFactory()
    assert db_counter.record_read(first.pk, "v" * 32)
    assert not db_counter.record_read(first.pk, "v" * 32)
    assert db_counter.record_read(second.pk, "v" * 32)
    assert totals(first) == (1, 1)
    assert totals(second) == (1, 1)


def test_database_counter_ignores_reads_of_deleted_articles(db_counter):
    article = ArticleFactory()
    pk = article.pk
    article.delete()
    assert not db_counter.record_read(pk, "x" * 32)
    assert not DailyReads.objects.exists()


def test_database_read_buckets_are_daily(db_counter):
    """read_buckets() on the database gives one bucket per article and day."""
    article = ArticleFactory()
    yesterday = timezone.localdate() - timedelta(days=1)
    DailyReads.objects.create(article=article, day=yesterday, count=5)
    db_counter.record_read(article.pk)
    buckets = sorted(db_counter.read_buckets(timezone.now() - timedelta(days=2)))
    assert [(pk, start.date(), n) for pk, start, n in buckets] == [
        (article.pk, yesterday, 5),
        (article.pk, timezone.localdate(), 1),
    ]
    assert all(timezone.localtime(start).hour == 0 for _pk, start, _n in buckets)


def test_upsert_adds_to_existing_rows_instead_of_overwriting(db_counter):
    article = ArticleFactory()
    today = timezone.localdate()
    upsert.add_reads([(article.pk, today, 4)])
    upsert.add_reads([(article.pk, today, 6), (article.pk, today - timedelta(days=1), 2)])
    assert totals(article) == (12, 12)
    assert DailyReads.objects.get(article=article, day=today).count == 10


# --- page tokens -----------------------------------------------------------------------------


def test_page_token_is_per_article_and_expires_after_a_few_hours():
    now = 1_800_000_000
    token = page_token(7, now=now)
    assert check_page_token(7, token, now=now + 3 * 3600)
    assert not check_page_token(7, token, now=now + 5 * 3600)
    assert not check_page_token(8, token, now=now)
    assert not check_page_token(7, token.replace(".", ".0"), now=now)
    for junk in ("", "x", "12.", ".abc", "9" * 40 + ".abc"):
        assert not check_page_token(7, junk, now=now)


# --- the Redis counter -------------------------------------------------------------------


def test_redis_counter_keeps_reads_pending_until_flushed(redis_counter):
    """Reads wait in Redis; the displayed count is view_count + pending, before and after."""
    article = ArticleFactory()
    for n in range(5):
        assert redis_counter.record_read(article.pk, f"{n:032d}")
    assert not redis_counter.record_read(article.pk, f"{0:032d}")
    assert redis_counter.pending([article.pk, 999_999]) == {article.pk: 5}
    assert totals(article) == (0, 0)

    result = flush_module.flush(redis_counter)

    assert (result.batches, result.reads, result.articles) == (1, 5, 1)
    assert totals(article) == (5, 5)
    assert redis_counter.pending([article.pk]) == {}
    assert CounterFlush.objects.get().reads == 5


def test_redis_counter_applies_the_rate_limit_in_the_same_call(redis_counter):
    """Over the limit nothing is counted and the wait until the window resets is given."""
    article = ArticleFactory()
    limit = ("client-a", 2, 60)
    assert redis_counter.record_read(article.pk, "1" * 32, rate_limit=limit)
    assert redis_counter.record_read(article.pk, "2" * 32, rate_limit=limit)
    with pytest.raises(RateLimited) as refused:
        redis_counter.record_read(article.pk, "3" * 32, rate_limit=limit)
    assert 1 <= refused.value.retry_after <= 60
    assert redis_counter.record_read(article.pk, "4" * 32, rate_limit=("client-b", 2, 60))
    assert redis_counter.pending([article.pk]) == {article.pk: 3}


def test_redis_read_buckets_are_hourly(redis_counter):
    article = ArticleFactory()
    now = timezone.now().timestamp()
    redis_counter.record_read(article.pk, now=now - 3600)
    redis_counter.record_read(article.pk, now=now)
    redis_counter.record_read(article.pk, now=now)
    buckets = redis_counter.read_buckets(timezone.now() - timedelta(hours=2))
    assert sorted(n for pk, _start, n in buckets if pk == article.pk) == [1, 2]
    starts = {start for _pk, start, _n in buckets}
    assert all(start.minute == 0 and start.second == 0 for start in starts)


def test_reads_across_midnight_land_on_their_own_days(redis_counter):
    article = ArticleFactory()
    midnight = timezone.make_aware(
        timezone.datetime.combine(timezone.localdate(), timezone.datetime.min.time())
    ).timestamp()
    redis_counter.record_read(article.pk, now=midnight - 10)
    redis_counter.record_read(article.pk, now=midnight + 10)
    flush_module.flush(redis_counter)
    days = dict(DailyReads.objects.filter(article=article).values_list("day", "count"))
    today = timezone.localdate()
    assert days == {today - timedelta(days=1): 1, today: 1}


class Interrupted(Exception):
    pass


def _raise(*args, **kwargs):
    raise Interrupted


def _add_daily_then_die(rows):
    upsert_add_daily(rows[:1])  # part of the batch is written inside the transaction
    raise Interrupted


upsert_add_daily = upsert._add_daily


@pytest.mark.parametrize(
    "where",
    ["after-claim", "mid-transaction", "after-commit"],
)
def test_an_interrupted_flush_loses_nothing_and_counts_nothing_twice(
    redis_counter, monkeypatch, where
):
    """Killed after claiming, inside the transaction or after the commit, a re-run is exact."""
    first, second = ArticleFactory(), ArticleFactory()
    for n in range(3):
        redis_counter.record_read(first.pk, f"a{n:031d}")
    redis_counter.record_read(second.pk, "b" * 32)
    redis_counter.record_read(second.pk, now=timezone.now().timestamp() - 86400)

    with monkeypatch.context() as patch:
        if where == "after-claim":
            patch.setattr(RedisCounter, "batch_rows", _raise)
        elif where == "mid-transaction":
            patch.setattr(upsert, "_add_daily", _add_daily_then_die)
        else:
            patch.setattr(RedisCounter, "release_batch", _raise)
        with pytest.raises(Interrupted):
            flush_module.flush(redis_counter)

    # Reads keep arriving while the broken batch waits; shown counts never drop.
    redis_counter.record_read(first.pk, "late" + "0" * 28)
    shown = {
        a.pk: a.view_count + redis_counter.pending([a.pk]).get(a.pk, 0)
        for a in Article.objects.filter(pk__in=[first.pk, second.pk])
    }
    if where != "after-commit":
        assert shown == {first.pk: 4, second.pk: 2}

    result = flush_module.flush(redis_counter)

    assert totals(first) == (4, 4)
    assert totals(second) == (2, 2)
    assert redis_counter.pending([first.pk, second.pk]) == {}
    # After a commit the re-run only finds the batch's id recorded and releases it.
    assert len(result.skipped) == (1 if where == "after-commit" else 0)
    assert flush_module.flush(redis_counter).batches == 0


def test_reads_of_a_deleted_article_are_dropped_by_the_flush(redis_counter):
    kept, gone = ArticleFactory(), ArticleFactory()
    redis_counter.record_read(kept.pk)
    redis_counter.record_read(gone.pk)
    gone.delete()
    assert flush_module.flush(redis_counter).reads == 1
    assert totals(kept) == (1, 1)


def test_flush_command_dry_run_writes_nothing(redis_counter):
    article = ArticleFactory()
    redis_counter.record_read(article.pk)
    call_command("flush_counters", "--dry-run", verbosity=0)
    assert totals(article) == (0, 0)
    call_command("flush_counters", verbosity=0)
    assert totals(article) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_flush_command_loop_runs_the_given_rounds(redis_counter, capsys):
    article = ArticleFactory()
    redis_counter.record_read(article.pk)
    call_command("flush_counters", "--loop", "0.01", "--iterations", "2", verbosity=1)
    assert totals(article) == (1, 1)
    assert capsys.readouterr().out.count("已写入") == 2


def test_flush_command_with_the_database_counter_has_nothing_to_do(db_counter, capsys):
    call_command("flush_counters")
    assert "无需写入" in capsys.readouterr().out


def test_flush_command_refuses_bad_options(db_counter):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("flush_counters", "--max-batches", "0")


# --- concurrency on PostgreSQL ---------------------------------------------------------------


def _in_threads(count, work):
    errors = []

    def run(n):
        try:
            work(n)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_database_reads_are_all_counted(postgres, settings):
    """Parallel F() updates on one article lose no increment (no read-modify-write)."""
    settings.REDIS_URL = ""
    article = ArticleFactory()
    counter = get_counter()

    def work(n):
        for i in range(10):
            counter.record_read(article.pk, f"{n:02d}{i:030d}")

    _in_threads(8, work)
    assert totals(article) == (80, 80)


@pytest.mark.django_db(transaction=True)
def test_concurrent_flushes_apply_each_batch_once(postgres, redis_counter):
    """Two flushes racing over the same batch: the flush id lets only one of them add it."""
    article = ArticleFactory()
    for n in range(50):
        redis_counter.record_read(article.pk, f"{n:032d}")
    _in_threads(4, lambda n: flush_module.flush(redis_counter))
    assert totals(article) == (50, 50)


def test_reads_fall_back_to_the_database_while_redis_is_away(db, monkeypatch, rf):
    """A beacon that cannot reach Redis is still counted, straight into the database."""
    from articles.counters import CounterUnavailable, beacon

    class AwayCounter:
        def record_read(self, *args, **kwargs):
            raise CounterUnavailable("connection refused")

    monkeypatch.setattr(beacon, "get_counter", AwayCounter)
    article = ArticleFactory()
    request = rf.post("/", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")
    outcome = beacon.count_beacon(request, article.pk, page_token(article.pk))
    assert (outcome.status, outcome.counted) == (204, True)
    article.refresh_from_db()
    assert article.view_count == 1
    assert DailyReads.objects.get(article=article).count == 1
