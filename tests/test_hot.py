"""Hot picks: time-decayed hot reads and recommended articles, cached and versioned."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import hot
from articles.caching import bump_content_version
from articles.models import Article, HotPick
from articles.text import china_time
from tests import reader_data
from tests.factories import ArticleFactory, DailyReadsFactory

pytestmark = pytest.mark.django_db


def today():
    return china_time(timezone.now()).date()


def test_decay_halves_every_half_life():
    assert hot.decay(0) == 1
    assert hot.decay(hot.HALF_LIFE_HOURS) == pytest.approx(0.5)
    assert hot.decay(-3) == 1, "clock skew never boosts a read above its count"


def test_a_busy_yesterday_ranks_below_a_smaller_today():
    """10,000 reads yesterday rank below 3,000 today, at any hour of today."""
    for hour in (0, 6, 12, 23):
        now = china_time(timezone.now()).replace(hour=hour, minute=30)
        weights = hot.day_weights(now)
        day = now.date()
        assert 3_000 * weights[day] > 10_000 * weights[day - timedelta(days=1)], hour


def test_hot_reads_rank_by_decayed_reads_and_never_show_retracted_ones():
    yesterday_hit = ArticleFactory(title="昨天的热门")
    today_hit = ArticleFactory(title="今天的热门")
    retracted = ArticleFactory(retracted_at=timezone.now(), retraction_reason="有误")
    DailyReadsFactory(article=yesterday_hit, day=today() - timedelta(days=1), count=10_000)
    DailyReadsFactory(article=today_hit, day=today(), count=3_000)
    DailyReadsFactory(article=retracted, day=today(), count=50_000)
    assert hot.hot_reads(10) == [today_hit, yesterday_hit]


def test_hot_reads_fall_back_to_the_last_week_when_the_day_was_quiet():
    """Articles read in the last 24 hours come first; older reads only fill the list."""
    recent = ArticleFactory()
    last_week = ArticleFactory()
    too_old = ArticleFactory()
    DailyReadsFactory(article=recent, day=today(), count=5)
    DailyReadsFactory(article=last_week, day=today() - timedelta(days=4), count=900_000)
    DailyReadsFactory(article=too_old, day=today() - timedelta(days=9), count=900_000)
    assert hot.hot_reads(10) == [recent, last_week]


def test_pages_read_both_stored_lists_in_one_query_whatever_the_archive_size(
    django_assert_num_queries, monkeypatch
):
    """Ranking runs once (flush_counters, or the first page after REFRESH_SECONDS); pages
    then read both lists back in one query, and from the cache after that."""
    reader_data.freeze_cache_minute(monkeypatch)
    for story in ArticleFactory.create_batch(40):
        for back in range(3):
            DailyReadsFactory(article=story, day=today() - timedelta(days=back), count=back + 1)
    hot.refresh()
    with django_assert_num_queries(1):
        assert len(hot.hot_reads(10)) == 10
        assert hot.recommended(10) == []
    with django_assert_num_queries(0):
        hot.hot_reads(10)  # cached


def test_an_empty_ranking_is_not_redone_on_every_page(django_assert_num_queries):
    """The marker row says when the lists were ranked, even when both are empty."""
    hot.refresh()
    with django_assert_num_queries(2):  # the lists (none), then the marker
        assert hot.current_lists() == {HotPick.Kind.READS: [], HotPick.Kind.RECOMMENDED: []}


def test_a_pick_retracted_after_the_ranking_disappears_at_once():
    """Stored picks are joined to the listed articles on every read."""
    story, other = ArticleFactory(), ArticleFactory()
    DailyReadsFactory(article=story, day=today(), count=500)
    DailyReadsFactory(article=other, day=today(), count=5)
    hot.refresh()
    Article.objects.filter(pk=story.pk).update(
        retracted_at=timezone.now(), retraction_reason="有误"
    )
    assert hot.stored()[1][HotPick.Kind.READS] == [other]
    Article.objects.filter(pk=other.pk).update(status=Article.Status.UNPUBLISHED)
    assert hot.stored()[1][HotPick.Kind.READS] == []


def test_stale_lists_are_ranked_again_by_the_next_page():
    """New reads reach the stored lists within REFRESH_SECONDS, with nothing running."""
    early = ArticleFactory()
    DailyReadsFactory(article=early, day=today(), count=5)
    hot.refresh()
    late = ArticleFactory()
    DailyReadsFactory(article=late, day=today(), count=900)
    assert hot.current_lists()[HotPick.Kind.READS] == [early], "still fresh"
    past = timezone.now() - timedelta(seconds=hot.REFRESH_SECONDS + 1)
    HotPick.objects.update(ranked_at=past)
    assert hot.current_lists()[HotPick.Kind.READS] == [late, early]


def test_a_content_change_marks_the_stored_lists_stale():
    hot.refresh()
    bump_content_version()
    assert set(HotPick.objects.values_list("ranked_at", flat=True)) == {hot.LONG_AGO}


def test_a_never_ranked_site_ranks_on_its_first_page(client):
    story = ArticleFactory(title="第一篇热门")
    DailyReadsFactory(article=story, day=today(), count=50)
    other = ArticleFactory()
    assert "第一篇热门" in client.get(other.get_absolute_url()).content.decode()
    assert HotPick.objects.filter(kind=HotPick.Kind.READS, article=story).exists()


def test_recommended_lists_editors_picks_first_then_the_most_liked_of_three_days():
    now = timezone.now()
    pick = ArticleFactory(title="编辑推荐", recommended_until=now + timedelta(hours=3))
    ArticleFactory(title="推荐已过期", recommended_until=now - timedelta(hours=1))
    liked = ArticleFactory(title="很多人支持", like_count=500)
    less_liked = ArticleFactory(title="少数人支持", like_count=5)
    ArticleFactory(title="太早的", like_count=9_000, publish_at=now - timedelta(days=4))
    ArticleFactory(title="没人支持", like_count=0)
    ArticleFactory(
        title="撤稿的推荐",
        recommended_until=now + timedelta(hours=3),
        retracted_at=now,
        retraction_reason="有误",
    )
    assert hot.recommended(10) == [pick, liked, less_liked]


def test_a_change_in_content_refreshes_the_cached_lists_at_once(monkeypatch):
    reader_data.freeze_cache_minute(monkeypatch)
    """Publishing, retracting or recommending bumps the content version (the services do)."""
    story = ArticleFactory()
    assert hot.recommended(10) == []
    Article.objects.filter(pk=story.pk).update(
        recommended_until=timezone.now() + timedelta(hours=1)
    )
    assert hot.recommended(10) == [], "still the cached list"
    bump_content_version()
    assert hot.recommended(10) == [story]
