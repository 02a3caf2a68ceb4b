"""Edit conflicts: two editors saving the same article never silently overwrite each other."""

import threading

import pytest
from django.db import connection
from django.test import Client

from articles.models import Article
from tests.admin_forms import article_form_data, change_url
from tests.factories import DraftFactory, EditorFactory


@pytest.fixture
def two_editors(editor):
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(EditorFactory(username="second-editor"))
    return first, second


@pytest.mark.django_db
def test_second_save_is_refused_and_shown_what_changed(two_editors):
    """Both open version 1; the first save wins, the second gets the other's values back."""
    first, second = two_editors
    article = DraftFactory(title="原标题", summary="原导语")
    mine = article_form_data(first, article, title="第一位编辑的标题")
    theirs = article_form_data(second, article, summary="第二位编辑的导语")

    assert first.post(change_url(article), mine).status_code == 302
    response = second.post(change_url(article), theirs)

    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "editor" in errors  # who saved in between
    assert "原标题" in errors and "第一位编辑的标题" in errors  # field-by-field diff
    article.refresh_from_db()
    assert article.title == "第一位编辑的标题"
    assert article.summary == "原导语"  # nothing of the refused save was written
    assert article.version == 2


@pytest.mark.django_db
def test_resubmitting_after_seeing_the_conflict_saves(two_editors):
    """Having been shown the other changes, the second editor may save deliberately."""
    first, second = two_editors
    article = DraftFactory()
    mine = article_form_data(first, article, title="甲的标题")
    theirs = article_form_data(second, article, title="乙的标题")
    first.post(change_url(article), mine)
    refused = second.post(change_url(article), theirs)
    form = refused.context["adminform"].form
    again = {**theirs, "base_version": form.data["base_version"]}
    assert second.post(change_url(article), again).status_code == 302
    article.refresh_from_db()
    assert article.title == "乙的标题"
    assert article.version == 3


@pytest.mark.django_db
def test_each_save_moves_the_version_by_one(client, editor):
    """A successful save increments the version exactly once, inlines included."""
    article = DraftFactory()
    client.force_login(editor)
    for expected in (2, 3):
        client.post(change_url(article), article_form_data(client, article, subtitle="副题"))
        article.refresh_from_db()
        assert article.version == expected


@pytest.mark.django_db
def test_a_workflow_action_also_counts_as_a_change(client, editor):
    """An editor's open form notices a publish done from the list in the meantime."""
    from articles.services import publishing

    article = DraftFactory()
    client.force_login(editor)
    stale = article_form_data(client, article, title="旧表单")
    publishing.publish_now(article, editor)
    response = client.post(change_url(article), stale)
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.title != "旧表单"


@pytest.mark.django_db
def test_save_without_a_version_is_refused(client, editor):
    """A POST that does not say which version it started from cannot overwrite anything."""
    article = DraftFactory(title="原样")
    client.force_login(editor)
    data = article_form_data(client, article, title="无版本", base_version=None)
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.title == "原样"


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_on_postgresql_exactly_one_wins(postgres, editor):
    """Two simultaneous saves from version 1: the row lock lets one through, refuses the other."""
    second_editor = EditorFactory(username="second-editor")
    article = DraftFactory(title="并发前")
    sessions = []
    for user, title in ((editor, "线程甲"), (second_editor, "线程乙")):
        session = Client()
        session.force_login(user)
        sessions.append((session, article_form_data(session, article, title=title)))
    barrier = threading.Barrier(2)
    statuses = []

    def save(session, data):
        try:
            barrier.wait()
            statuses.append(session.post(change_url(article), data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=pair) for pair in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 302]
    article.refresh_from_db()
    assert article.version == 2
    assert article.title in ("线程甲", "线程乙")


@pytest.mark.django_db
def test_a_save_racing_past_the_check_writes_nothing(client, editor, monkeypatch):
    """Should two saves ever pass the form's check together, the losing UPDATE … WHERE
    version = old matches no row: the whole save rolls back and the editor is told."""
    from articles.admin.article_form import ArticleAdminForm

    article = DraftFactory(title="原样")
    client.force_login(editor)
    data = article_form_data(client, article, title="迟到的保存", new_tags="新标签")
    Article.objects.filter(pk=article.pk).update(version=5)
    monkeypatch.setattr(ArticleAdminForm, "_version_is_current", lambda self, cleaned: True)
    response = client.post(change_url(article), data)
    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    article.refresh_from_db()
    assert (article.title, article.version) == ("原样", 5)
    assert not article.tags.exists()
