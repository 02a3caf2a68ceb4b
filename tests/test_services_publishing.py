"""The publishing services: permission, state rules, versioning, revisions and cache bumps."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from articles import caching
from articles.models import Article
from articles.services import publishing
from tests.factories import ArticleFactory, DraftFactory

pytestmark = pytest.mark.django_db


def future(**delta):
    return timezone.now() + timedelta(**(delta or {"days": 1}))


@pytest.mark.parametrize(
    ("step", "make"),
    [
        (lambda a, u: publishing.publish_now(a, u), DraftFactory),
        (lambda a, u: publishing.schedule(a, u, future()), DraftFactory),
        (lambda a, u: publishing.unpublish(a, u), ArticleFactory),
        (lambda a, u: publishing.retract(a, u, "事实有误"), ArticleFactory),
        (lambda a, u: publishing.recommend(a, u, future()), ArticleFactory),
    ],
    ids=["publish_now", "schedule", "unpublish", "retract", "recommend"],
)
def test_reporters_are_refused_every_editor_step(step, make, reporter):
    """Each editor-only step raises PermissionDenied for a reporter, even on their own story."""
    article = make(created_by=reporter)
    before = Article.objects.values().get(pk=article.pk)
    with pytest.raises(PermissionDenied):
        step(article, reporter)
    assert Article.objects.values().get(pk=article.pk) == before


def test_publish_now_makes_a_draft_visible(editor):
    """publish_now publishes at the current time and the article is in published()."""
    article = publishing.publish_now(DraftFactory(), editor)
    assert article.is_published()
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_publish_now_brings_a_scheduled_article_forward(editor):
    article = ArticleFactory(publish_at=future(days=3))
    article = publishing.publish_now(article, editor)
    assert article.publish_at <= timezone.now()


def test_schedule_hides_until_its_time(editor):
    """A scheduled article is published with a future time and not yet visible."""
    at = future(hours=5)
    article = publishing.schedule(DraftFactory(), editor, at)
    assert article.is_scheduled
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert Article.objects.published(at=at).filter(pk=article.pk).exists()


def test_schedule_in_the_past_is_refused(editor):
    with pytest.raises(publishing.PublishingError):
        publishing.schedule(DraftFactory(), editor, timezone.now() - timedelta(minutes=1))


def test_unpublish_takes_it_off_the_site(editor):
    article = publishing.unpublish(ArticleFactory(), editor)
    assert article.status == Article.Status.UNPUBLISHED
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_unpublishing_a_draft_is_refused(editor):
    with pytest.raises(publishing.PublishingError):
        publishing.unpublish(DraftFactory(), editor)


def test_retract_keeps_the_url_but_leaves_lists(editor):
    """A retracted article stays readable (with its notice) but is no longer listed."""
    article = publishing.retract(ArticleFactory(), editor, "  报道中的数据有误。 ")
    assert article.retraction_reason == "报道中的数据有误。"
    assert article.retracted_by == editor
    assert Article.objects.published().filter(pk=article.pk).exists()
    assert not Article.objects.listed().filter(pk=article.pk).exists()


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_retract_needs_a_reason(editor, reason):
    article = ArticleFactory()
    with pytest.raises(publishing.PublishingError):
        publishing.retract(article, editor, reason)
    article.refresh_from_db()
    assert not article.is_retracted


def test_retracting_twice_keeps_the_first_decision(editor):
    """Moderation may retract an already retracted story: a no-op, not an error."""
    article = publishing.retract(ArticleFactory(), editor, "第一次")
    again = publishing.retract(article, editor, "第二次")
    assert again.retraction_reason == "第一次"
    assert again.version == article.version


def test_recommend_until_and_clear(editor):
    until = future(days=2)
    article = publishing.recommend(ArticleFactory(), editor, until)
    assert article.recommended_until == until
    article = publishing.recommend(article, editor, None)
    assert article.recommended_until is None


def test_recommend_in_the_past_is_refused(editor):
    with pytest.raises(publishing.PublishingError):
        publishing.recommend(ArticleFactory(), editor, timezone.now() - timedelta(hours=1))


def test_submit_for_review_by_the_owner(reporter):
    article = publishing.submit_for_review(DraftFactory(created_by=reporter), reporter)
    assert article.status == Article.Status.REVIEW


def test_submit_for_review_of_someone_elses_draft_is_refused(reporter):
    with pytest.raises(PermissionDenied):
        publishing.submit_for_review(DraftFactory(), reporter)


def test_each_step_records_a_revision_bumps_version_and_cache(
    editor, django_capture_on_commit_callbacks
):
    """A step writes one revision by the acting user, version + 1, and a cache bump on commit."""
    article = DraftFactory()
    revisions = article.history.count()
    before = caching.content_version()
    with django_capture_on_commit_callbacks(execute=True):
        published = publishing.publish_now(article, editor)
    assert caching.content_version() > before
    assert published.version == article.version + 1
    assert article.history.count() == revisions + 1
    assert article.history.first().history_user == editor


def test_stale_instances_are_reread(editor):
    """Callers may pass an old instance: the service works on the row as it is now."""
    article = DraftFactory(title="旧标题")
    Article.objects.filter(pk=article.pk).update(title="新标题")
    published = publishing.publish_now(article, editor)
    assert published.title == "新标题"


def test_spam_warnings_block_publishing_unless_confirmed(editor):
    """publish_now and schedule refuse an article with spam-guard warnings unless confirmed."""
    article = DraftFactory(body="<p>正文。(完)</p><p>加微信领红包</p>")
    with pytest.raises(publishing.PublishingError, match="完"):
        publishing.publish_now(article, editor)
    with pytest.raises(publishing.PublishingError):
        publishing.schedule(article, editor, future())
    assert publishing.publish_now(article, editor, confirm_warnings=True).is_published()


def test_publication_warnings_accept_an_article_or_its_fields(monkeypatch):
    """The admin passes form fields, the services pass articles; both reach the guard."""
    seen = []

    def fake_check(body, *, title="", summary=""):
        seen.append((title, summary, body))
        return ["警告"]

    monkeypatch.setattr("articles.spam_guard.check_article", fake_check)
    article = DraftFactory(title="标题", summary="导语", body="<p>正文</p>")
    assert publishing.publication_warnings(article) == ["警告"]
    assert publishing.publication_warnings({"title": "表单标题", "body": "<p>x</p>"}) == ["警告"]
    assert seen == [("标题", "导语", "<p>正文</p>"), ("表单标题", "", "<p>x</p>")]
