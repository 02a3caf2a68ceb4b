"""The moderation queue for reader reports (举报), and the newsroom dashboard.

Editors dismiss a report, or unpublish or retract the reported article; the publishing
services check permissions, keep the revision history and refresh cached pages, and every
open report on that article is closed with who decided and when.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import reports
from articles.admin import stats
from articles.admin.actions import RetractForm
from articles.counters import get_counter
from articles.models import Article, CounterFlush, Report
from articles.services import permissions
from articles.services.publishing import PublishingError


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "article_link",
        "reason",
        "detail_excerpt",
        "status",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "reason"]
    list_select_related = ["article", "decided_by"]
    search_fields = ["article__title", "detail"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "article",
        "reason",
        "detail",
        "created_at",
        "status",
        "decided_by",
        "decided_at",
    ]
    fields = readonly_fields
    actions = ["dismiss", "unpublish_articles", "retract_articles"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False  # reports come from readers only

    def has_delete_permission(self, request, obj=None):
        return False  # the queue is a record of what readers said and what was decided

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)

    def has_retract_permission(self, request):
        return permissions.can_retract(request.user)

    @admin.display(description=_("文章"), ordering="article__title")
    def article_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> <a href="{}" target="_blank" rel="noopener">↗</a>',
            reverse("admin:articles_article_change", args=[obj.article_id]),
            Truncator(obj.article.title).chars(40),
            obj.article.get_absolute_url(),
        )

    @admin.display(description=_("补充说明"))
    def detail_excerpt(self, obj):
        return Truncator(obj.detail).chars(60)

    # --- actions ----------------------------------------------------------------------

    @admin.action(description=_("驳回举报（文章保留）"), permissions=["change"])
    def dismiss(self, request, queryset):
        closed = reports.dismiss(queryset, request.user)
        self.message_user(
            request, ngettext("已驳回 %d 条举报。", "已驳回 %d 条举报。", closed) % closed
        )

    @admin.action(description=_("撤下被举报的文章"), permissions=["publish"])
    def unpublish_articles(self, request, queryset):
        self._decide(request, queryset, lambda a: reports.unpublish_reported(a, request.user))

    @admin.action(description=_("撤稿被举报的文章…"), permissions=["retract"])
    def retract_articles(self, request, queryset):
        form = RetractForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._decide(
                request, queryset, lambda a: reports.retract_reported(a, request.user, reason)
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("撤稿被举报的文章"),
            "form": form,
            "articles": self._articles(queryset),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/articles/report/retract.html", context)

    def _articles(self, queryset):
        return Article.objects.filter(pk__in=queryset.values("article_id")).order_by("pk")

    def _decide(self, request, queryset, step):
        done = 0
        for article in self._articles(queryset):
            try:
                _article, closed = step(article)
            except (PublishingError, PermissionDenied) as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                done += closed
        if done:
            self.message_user(
                request,
                ngettext("已处理 %d 条举报。", "已处理 %d 条举报。", done) % done,
                messages.SUCCESS,
            )

    # --- the newsroom dashboard ---------------------------------------------------------

    def get_urls(self):
        dashboard = path(
            "dashboard/",
            self.admin_site.admin_view(self.dashboard_view),
            name="articles_report_dashboard",
        )
        return [dashboard, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "dashboard_url": "dashboard/"}
        return super().changelist_view(request, extra_context)

    def dashboard_view(self, request):
        """编辑部看板: today's most read, reads per hour, open reports, counter health."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        by_hour = stats.reads_by_hour(24, now)
        open_reports = Report.objects.filter(status=Report.Status.OPEN)
        context = {
            **self.admin_site.each_context(request),
            "title": _("编辑部看板"),
            "opts": self.model._meta,
            "top_today": stats.reads_today(20, now),
            "hour_chart": stats.reads_by_hour_chart(by_hour) if by_hour else None,
            "open_count": open_reports.count(),
            "reported_articles": open_reports.values("article_id", "article__title")
            .annotate(n=Count("pk"))
            .order_by("-n", "article_id")[:10],
            "counter": get_counter().name,
            "last_flush": CounterFlush.objects.only("applied_at").first(),
        }
        return TemplateResponse(request, "admin/articles/dashboard.html", context)
