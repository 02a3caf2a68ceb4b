"""Model invariants: what "published" means, scheduling, and database constraints."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, CityFactory, DraftFactory

pytestmark = pytest.mark.django_db


def test_published_excludes_drafts_scheduled_and_expired():
    """Scheduled articles stay hidden until their time; expired ones disappear."""
    live = ArticleFactory()
    DraftFactory()
    scheduled = ArticleFactory(publish_at=timezone.now() + timedelta(hours=2))
    ArticleFactory(
        publish_at=timezone.now() - timedelta(days=2),
        expires_at=timezone.now() - timedelta(days=1),
    )
    assert list(Article.objects.published()) == [live]
    later = timezone.now() + timedelta(hours=3)
    assert set(Article.objects.published(at=later)) == {live, scheduled}
    assert scheduled.is_published(at=later) and not scheduled.is_published()


def test_retracted_articles_are_published_but_not_listed():
    """A retraction keeps the URL working but takes the story out of lists."""
    article = ArticleFactory(retracted_at=timezone.now(), retraction_reason="事实有误")
    assert list(Article.objects.published()) == [article]
    assert list(Article.objects.listed()) == []


def test_province_is_denormalised_from_the_dateline_city():
    city = CityFactory()
    article = ArticleFactory(dateline_region=city)
    assert article.province_id == city.parent_id
    article.dateline_region = city.parent
    article.save(update_fields=["dateline_region"])
    article.refresh_from_db()
    assert article.province_id == city.parent_id


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Article.Status.PUBLISHED, "publish_at": None},
        {"retracted_at": timezone.now(), "retraction_reason": ""},
        {"is_reprint": True, "original_source": "", "original_url": ""},
    ],
    ids=["published-without-time", "retraction-without-reason", "reprint-without-source"],
)
def test_database_constraints_refuse_broken_articles(fields):
    article = ArticleFactory()
    for name, value in fields.items():
        setattr(article, name, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        article.save()


def test_chinese_title_gives_a_unicode_slug_and_stable_url():
    article = ArticleFactory(title="浙江两会观察:新晋“万亿之城”")
    assert article.slug == "浙江两会观察新晋万亿之城"
    assert unquote(article.get_absolute_url()) == f"/a/{article.pk}/{article.slug}/"
