"""Editors' side of reader signals: the report moderation queue, read charts, the dashboard."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, DailyReads, Report
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:articles_report_changelist")
DASHBOARD = reverse("admin:articles_report_dashboard")


@pytest.fixture(autouse=True)
def _database_counter(settings):
    settings.REDIS_URL = ""


def report(article, reason=Report.Reason.RUMOUR, key="k"):
    return Report.objects.create(article=article, reason=reason, visitor_key=key * 32)


def act(client, action, reports, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [r.pk for r in reports], **extra}
    return client.post(QUEUE, data)


def test_queue_lists_reports_in_fixed_queries(client, editor, django_assert_max_num_queries):
    for n in range(5):
        report(ArticleFactory(), key=str(n))
    client.force_login(editor)
    with django_assert_max_num_queries(12):
        response = client.get(QUEUE + "?status__exact=open")
    assert response.status_code == 200
    assert response.content.decode().count("/change/") >= 5


def test_dismissing_records_who_and_when(client, editor):
    article = ArticleFactory()
    filed = report(article)
    client.force_login(editor)
    act(client, "dismiss", [filed])
    filed.refresh_from_db()
    assert filed.status == Report.Status.DISMISSED
    assert filed.decided_by == editor and filed.decided_at is not None
    article.refresh_from_db()
    assert article.is_published()


def test_unpublishing_closes_every_open_report_on_the_article(client, editor):
    article = ArticleFactory()
    first, second = report(article, key="a"), report(article, Report.Reason.SPAM, key="b")
    client.force_login(editor)
    act(client, "unpublish_articles", [first])
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    for filed in (first, second):
        filed.refresh_from_db()
        assert (filed.status, filed.decided_by) == (Report.Status.UNPUBLISHED, editor)


def test_retracting_asks_for_a_reason_first(client, editor):
    article = ArticleFactory()
    filed = report(article)
    client.force_login(editor)
    page = act(client, "retract_articles", [filed])
    assert page.status_code == 200 and "撤稿原因" in page.content.decode()
    assert act(client, "retract_articles", [filed], apply="1", reason="  ").status_code == 200
    act(client, "retract_articles", [filed], apply="1", reason="经核实为不实信息")
    article.refresh_from_db()
    filed.refresh_from_db()
    assert article.retraction_reason == "经核实为不实信息" and article.retracted_by == editor
    assert filed.status == Report.Status.RETRACTED and filed.decided_at is not None


def test_reporters_cannot_see_or_decide_reports(client, reporter):
    filed = report(ArticleFactory())
    client.force_login(reporter)
    assert client.get(QUEUE).status_code == 403
    assert client.get(DASHBOARD).status_code == 403
    act(client, "dismiss", [filed])
    filed.refresh_from_db()
    assert filed.status == Report.Status.OPEN


def test_reports_cannot_be_added_or_deleted_in_the_admin(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:articles_report_add")).status_code == 403
    filed = report(ArticleFactory())
    assert client.get(reverse("admin:articles_report_delete", args=[filed.pk])).status_code == 403


def test_article_change_page_shows_30_days_of_reads_as_svg(client, editor):
    article = ArticleFactory()
    today = timezone.localdate()
    DailyReads.objects.create(article=article, day=today - timedelta(days=3), count=1234)
    DailyReads.objects.create(article=article, day=today - timedelta(days=40), count=999)
    client.force_login(editor)
    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content
    html = html.decode()
    assert '<svg class="reads-chart"' in html
    assert html.count("<rect ") == 30
    assert "：1234</title>" in html and "：999<" not in html


def test_open_report_count_shows_on_the_article_list(client, editor):
    article = ArticleFactory(title="被举报的文章")
    report(article, key="a")
    report(article, key="b")
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    assert "待处理举报" in response.content.decode()
    rows = response.context["cl"].result_list
    assert [a.open_reports for a in rows if a.pk == article.pk] == [2]


def test_dashboard_shows_todays_top_articles_and_open_reports(
    client, editor, django_assert_max_num_queries
):
    hot, quiet = ArticleFactory(title="今天最热"), ArticleFactory(title="今天较冷")
    DailyReads.objects.create(article=hot, day=timezone.localdate(), count=500)
    DailyReads.objects.create(article=quiet, day=timezone.localdate(), count=5)
    report(quiet)
    client.force_login(editor)
    with django_assert_max_num_queries(12):
        response = client.get(DASHBOARD)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("今天最热") < html.index("今天较冷")
    assert "待处理举报（1）" in html
    assert "按小时统计需要 Redis" in html


def test_dashboard_draws_reads_per_hour_with_redis(client, editor, settings, redis_url):
    from articles.counters import get_counter

    settings.REDIS_URL = redis_url
    article = ArticleFactory()
    for n in range(3):
        get_counter().record_read(article.pk, f"{n:032x}")
    client.force_login(editor)
    html = client.get(DASHBOARD).content.decode()
    assert '<svg class="reads-chart"' in html and html.count("<rect ") == 24
