"""The newsroom roles, enforced on the server: every role × every article action.

Each cell performs the action with a real request (as a forged POST would, where the
button is hidden) and then checks the database, so a hidden button cannot pass for a
refusal.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.admin_forms import article_form_data, change_url, changelist_url, run_action
from tests.factories import ArticleFactory, AuthorFactory, DraftFactory, ReporterFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reporter", "other_reporter", "editor", "superuser"]
ACTIONS = [
    "view_list",
    "add",
    "change_own",
    "change_others",
    "publish",
    "schedule",
    "unpublish",
    "retract",
    "recommend",
    "delete",
]
WRITER = {"view_list", "add", "change_own"}
ALLOWED = {
    "anonymous": set(),
    "reporter": WRITER,
    "other_reporter": WRITER,
    "editor": set(ACTIONS),
    "superuser": set(ACTIONS),
}


@pytest.fixture
def people(reporter, editor, superuser):
    return {
        "anonymous": AnonymousUser(),
        "reporter": reporter,
        "other_reporter": ReporterFactory(username="other-reporter"),
        "editor": editor,
        "superuser": superuser,
    }


def _client_for(client, user):
    if user.is_authenticated:
        client.force_login(user)
    return client


def _targets(role, people, status):
    """The article a role acts on: its own for reporters (so a refusal is about the action,
    not about whose story it is), the reporter's story for everyone else."""
    owner = people[role] if role in ("reporter", "other_reporter") else people["reporter"]
    factory = DraftFactory if status == Article.Status.DRAFT else ArticleFactory
    return factory(created_by=owner)


def _change_title(client, staff_client, article):
    data = article_form_data(staff_client, article, title="改过的标题")
    client.post(change_url(article), data)
    article.refresh_from_db()
    return article.title == "改过的标题"


def check(action, role, people, client, staff_client):
    """Perform `action` as `role`; True when it took effect."""
    user = people[role]
    client = _client_for(client, user)
    if action == "view_list":
        return client.get(changelist_url()).status_code == 200
    if action == "add":
        data = article_form_data(staff_client, None, title="新写的稿件", body="<p>正文。</p>")
        client.post(reverse("admin:articles_article_add"), data)
        return Article.objects.filter(title="新写的稿件").exists()
    if action == "change_own":
        own = DraftFactory(created_by=user if user.is_authenticated else None)
        return _change_title(client, staff_client, own)
    if action == "change_others":
        other = people["other_reporter"] if role == "reporter" else people["reporter"]
        return _change_title(client, staff_client, DraftFactory(created_by=other))
    if action == "publish":
        article = _targets(role, people, Article.Status.DRAFT)
        run_action(client, "publish_now", [article])
        article.refresh_from_db()
        return article.status == Article.Status.PUBLISHED
    if action == "schedule":
        article = _targets(role, people, Article.Status.DRAFT)
        at = timezone.localtime() + timedelta(days=2)
        run_action(
            client,
            "schedule",
            [article],
            apply="1",
            at_0=at.date().isoformat(),
            at_1=at.time().replace(microsecond=0).isoformat(),
        )
        article.refresh_from_db()
        return article.status == Article.Status.PUBLISHED and article.is_scheduled
    if action == "unpublish":
        article = _targets(role, people, Article.Status.PUBLISHED)
        run_action(client, "unpublish", [article])
        article.refresh_from_db()
        return article.status == Article.Status.UNPUBLISHED
    if action == "retract":
        article = _targets(role, people, Article.Status.PUBLISHED)
        run_action(client, "retract", [article], apply="1", reason="事实有误")
        article.refresh_from_db()
        return article.is_retracted
    if action == "recommend":
        article = _targets(role, people, Article.Status.PUBLISHED)
        until = timezone.localdate() + timedelta(days=3)
        run_action(client, "recommend", [article], apply="1", until=until.isoformat())
        article.refresh_from_db()
        return article.recommended_until is not None
    if action == "delete":
        article = _targets(role, people, Article.Status.DRAFT)
        url = reverse("admin:articles_article_delete", args=[article.pk])
        client.post(url, {"post": "yes"})
        return not Article.objects.filter(pk=article.pk).exists()
    raise AssertionError(action)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, action, people, client):
    """Each role can do exactly what its row allows, whatever the request says."""
    staff_client = Client()
    staff_client.force_login(people["superuser"])
    expected = action in ALLOWED[role]
    assert check(action, role, people, client, staff_client) is expected


def test_reporter_sees_only_their_own_articles(client, reporter):
    """A reporter's list holds the stories they created or carry a byline on, no others."""
    mine = DraftFactory(created_by=reporter, title="我创建的稿件")
    me = AuthorFactory(user=reporter)
    bylined = ArticleFactory(bylines=[me], title="我署名的稿件")
    ArticleFactory(title="别人的稿件")
    client.force_login(reporter)
    response = client.get(changelist_url())
    titles = {a.title for a in response.context["cl"].result_list}
    assert titles == {mine.title, bylined.title}


def test_reporter_cannot_open_another_reporters_article(client, reporter):
    """Another reporter's story is not found for a reporter, not merely hidden in the list."""
    other = DraftFactory(created_by=ReporterFactory(username="someone-else"))
    client.force_login(reporter)
    response = client.get(change_url(other))
    assert response.status_code == 302
    assert client.get(reverse("admin:articles_article_history", args=[other.pk])).status_code in (
        302,
        403,
    )


def test_reporter_post_that_publishes_is_refused(client, reporter, superuser):
    """A reporter's hand-made POST setting status and publish time publishes nothing."""
    article = DraftFactory(created_by=reporter)
    staff_client = Client()
    staff_client.force_login(superuser)
    now = timezone.localtime()
    data = article_form_data(
        staff_client,
        article,
        status="published",
        publish_at_0=now.date().isoformat(),
        publish_at_1="00:00:00",
        recommended_until_0=(now + timedelta(days=3)).date().isoformat(),
        recommended_until_1="00:00:00",
    )
    client.force_login(reporter)
    response = client.post(change_url(article), data)
    assert response.status_code == 200  # the form comes back with an error
    assert "status" in response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.publish_at is None
    assert article.recommended_until is None


def test_reporter_post_with_valid_status_ignores_publishing_fields(client, reporter, superuser):
    """Publish time, expiry and recommendation in a reporter's POST are ignored, not saved."""
    article = DraftFactory(created_by=reporter)
    staff_client = Client()
    staff_client.force_login(superuser)
    later = timezone.localtime() + timedelta(days=1)
    data = article_form_data(
        staff_client,
        article,
        status="review",
        publish_at_0=later.date().isoformat(),
        publish_at_1="08:00:00",
        recommended_until_0=later.date().isoformat(),
        recommended_until_1="08:00:00",
    )
    client.force_login(reporter)
    response = client.post(change_url(article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW
    assert article.publish_at is None
    assert article.recommended_until is None


def test_reporter_cannot_change_own_published_article(client, reporter):
    """Once published a story is the editors': its reporter may view it but not change it."""
    article = ArticleFactory(created_by=reporter)
    client.force_login(reporter)
    response = client.get(change_url(article))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    response = client.post(change_url(article), {"title": "偷偷改"})
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title != "偷偷改"


def test_reporter_cannot_restore_a_revision_of_a_published_article(client, reporter):
    """Restoring an old revision is a change: refused when the reporter may not change it."""
    article = DraftFactory(created_by=reporter, title="初稿")
    first = article.history.earliest()
    article.status = Article.Status.PUBLISHED
    article.publish_at = timezone.now()
    article.title = "已发布的标题"
    article.save()
    client.force_login(reporter)
    url = reverse("admin:articles_article_simple_history", args=[article.pk, first.history_id])
    assert client.post(url, {"title": "初稿"}).status_code == 403
    article.refresh_from_db()
    assert article.title == "已发布的标题"


def test_reporter_submits_own_draft_for_review(client, reporter):
    """Reporters hand drafts to the editors with the 送审 action."""
    article = DraftFactory(created_by=reporter)
    client.force_login(reporter)
    run_action(client, "submit_for_review", [article])
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW


def test_reporters_new_article_is_a_draft_with_their_byline(client, reporter, superuser):
    """A reporter's new story starts as a draft, created by them and under their byline."""
    me = AuthorFactory(user=reporter, name="记者本人")
    staff_client = Client()
    staff_client.force_login(superuser)
    data = article_form_data(staff_client, None, title="记者新稿", body="<p>正文。</p>")
    client.force_login(reporter)
    assert client.post(reverse("admin:articles_article_add"), data).status_code == 302
    article = Article.objects.get(title="记者新稿")
    assert article.status == Article.Status.DRAFT
    assert article.created_by == reporter
    assert [b.author for b in article.bylines.all()] == [me]


def test_workflow_actions_are_not_offered_to_reporters(client, reporter, editor):
    """The action bar offers reporters only 送审 (and nothing that publishes)."""
    workflow = {"publish_now", "schedule", "unpublish", "retract", "recommend"}

    def offered(user):
        client.force_login(user)
        action_form = client.get(changelist_url()).context["action_form"]
        return {name for name, _label in action_form.fields["action"].choices}

    assert "submit_for_review" in offered(reporter)
    assert not offered(reporter) & workflow
    assert workflow <= offered(editor)
