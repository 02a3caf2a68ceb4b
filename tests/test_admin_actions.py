"""The changelist's workflow actions, including the pages that ask for a time or a reason."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from articles.models import Article
from tests.admin_forms import run_action
from tests.factories import ArticleFactory, DraftFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, editor):
    client.force_login(editor)
    return client


@pytest.mark.parametrize("action", ["schedule", "retract", "recommend"])
def test_actions_that_need_input_ask_first(desk, action):
    """Choosing the action shows a form for the selected stories and changes nothing yet."""
    article = ArticleFactory(title="待处理稿件")
    before = Article.objects.values().get(pk=article.pk)
    response = run_action(desk, action, [article])
    assert response.status_code == 200
    assert "admin/articles/article/action_form.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "待处理稿件" in html and f'value="{article.pk}"' in html
    assert Article.objects.values().get(pk=article.pk) == before


def test_retract_without_a_reason_shows_the_form_again(desk):
    article = ArticleFactory()
    response = run_action(desk, "retract", [article], apply="1", reason="  ")
    assert response.status_code == 200
    assert response.context["form"].errors
    article.refresh_from_db()
    assert not article.is_retracted


def test_retract_with_a_reason(desk, editor):
    article = ArticleFactory()
    response = run_action(desk, "retract", [article], apply="1", reason="照片与事实不符")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.retraction_reason == "照片与事实不符"
    assert article.retracted_by == editor


def test_schedule_in_the_past_shows_the_form_again(desk):
    article = DraftFactory()
    past = timezone.localtime() - timedelta(hours=2)
    response = run_action(
        desk,
        "schedule",
        [article],
        apply="1",
        at_0=past.date().isoformat(),
        at_1=past.time().replace(microsecond=0).isoformat(),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_recommend_runs_to_the_end_of_the_chosen_day(desk):
    """Recommending until a date keeps the story in 热点推荐 through that whole day."""
    article = ArticleFactory()
    day = timezone.localdate() + timedelta(days=2)
    run_action(desk, "recommend", [article], apply="1", until=day.isoformat())
    article.refresh_from_db()
    until = timezone.localtime(article.recommended_until)
    assert until.date() == day + timedelta(days=1)
    assert (until.hour, until.minute) == (0, 0)


def test_publish_now_skips_stories_with_warnings_and_says_why(desk):
    """A bulk publish publishes the clean stories and reports those the spam guard flagged."""
    clean = DraftFactory()
    flagged = DraftFactory(title="有问题的稿件", body="<p>正文(完)</p><p>广告文字</p>")
    response = run_action(desk, "publish_now", [clean, flagged])
    assert response.status_code == 302
    clean.refresh_from_db()
    flagged.refresh_from_db()
    assert clean.is_published()
    assert flagged.status == Article.Status.DRAFT
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("有问题的稿件" in t for t in texts)


def test_unpublish_reports_stories_that_were_never_published(desk):
    draft = DraftFactory(title="还是草稿")
    response = run_action(desk, "unpublish", [draft])
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("还是草稿" in t for t in texts)
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT
