"""The article admin: the newsroom's desk for writing, reviewing and publishing.

Roles are enforced in `ArticlePermissions`, the workflow in `PublishingActions`, edit
conflicts and publication checks in `ArticleAdminForm`. The changelist fetches 50 rows
in a fixed number of queries (pinned in tests/test_admin_articles.py).
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from articles.admin.actions import PublishingActions
from articles.admin.article_form import ArticleAdminForm
from articles.admin.filters import AuthorFilter, ProvinceFilter, TagFilter
from articles.admin.inlines import ArticlePhotoInline, BylineInline, CorrectionInline
from articles.admin.mixins import thumbnail
from articles.admin.permissions import ArticlePermissions, EditConflict
from articles.admin.stats import ReadsChartMixin
from articles.models import Article, Byline, Report, Tag
from articles.preview import preview_url
from articles.services import permissions
from articles.services.publishing import publication_warnings


class ArticleChangeList(ChangeList):
    """Bylines, tags and open reports for a whole page in three extra queries."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters).defer("body")
        queryset = queryset.prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author")), "tags"
        )
        if request.user.has_perm("articles.view_report"):
            open_reports = (
                Report.objects.filter(article=OuterRef("pk"), status=Report.Status.OPEN)
                .values("article")
                .annotate(n=Count("pk"))
                .values("n")
            )
            queryset = queryset.annotate(
                open_reports=Coalesce(Subquery(open_reports, output_field=IntegerField()), 0)
            )
        return queryset


@admin.register(Article)
class ArticleAdmin(
    ArticlePermissions,
    PublishingActions,
    ReadsChartMixin,
    SimpleHistoryAdmin,
):
    form = ArticleAdminForm
    list_display = [
        "title",
        "status_label",
        "publish_at",
        "dateline_region",
        "byline_names",
        "editor",
        "tag_names",
        "view_count",
        "lead_thumb",
    ]
    list_select_related = ["dateline_region__parent", "editor", "lead_photo"]
    list_filter = [
        "status",
        ProvinceFilter,
        TagFilter,
        AuthorFilter,
        ("publish_at", admin.DateFieldListFilter),
    ]
    search_fields = ["title", "body"]
    date_hierarchy = "publish_at"
    autocomplete_fields = ["editor", "dateline_region", "lead_photo", "tags"]
    inlines = [BylineInline, ArticlePhotoInline, CorrectionInline]
    list_per_page = 50
    save_on_top = True
    readonly_fields = ["preview_link", "publication_check", "version", "reads_chart"]
    fieldsets = [
        (None, {"fields": ["title", "subtitle", "slug", "summary", "body"]}),
        (
            _("电头与署名"),
            {"fields": ["source", "dateline_region", "dateline_date", "editor"]},
        ),
        (_("图片与标签"), {"fields": ["lead_photo", "tags", "new_tags"]}),
        (
            _("发布"),
            {
                "fields": [
                    "status",
                    "publish_at",
                    "expires_at",
                    "recommended_until",
                    "publication_check",
                    "confirm_warnings",
                    "preview_link",
                    "base_version",
                ]
            },
        ),
        (
            _("转载来源"),
            {
                "classes": ["collapse"],
                "fields": [
                    "is_reprint",
                    "original_source",
                    "original_title",
                    "original_author",
                    "original_url",
                ],
            },
        ),
        (_("撤稿"), {"classes": ["collapse"], "fields": ["retracted_at", "retraction_reason"]}),
        (
            _("记录"),
            {
                "classes": ["collapse"],
                "fields": ["created_by", "created_at", "updated_at", "version", "view_count"],
            },
        ),
        (_("阅读统计"), {"classes": ["collapse"], "fields": ["reads_chart"]}),
    ]

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if request.user.has_perm("articles.view_report"):
            columns.append("open_report_count")
        return columns

    def get_fieldsets(self, request, obj=None):
        if permissions.can_publish(request.user):
            return self.fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "confirm_warnings"]})
            for name, options in self.fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        form.reverting = getattr(request, "reverting_revision", False)
        return form

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "tags":
            # taggit's field is a comma-separated text box; editors pick existing tags
            # with the admin's autocomplete instead and create new ones in `new_tags`.
            return forms.ModelMultipleChoiceField(
                queryset=Tag.objects.all(),
                required=False,
                label=db_field.verbose_name,
                widget=AutocompleteSelectMultiple(db_field, self.admin_site),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # --- list columns -------------------------------------------------------------------

    @admin.display(description=_("状态"), ordering="status")
    def status_label(self, obj):
        label = obj.get_status_display()
        if obj.is_retracted:
            return format_html("{} · <strong>{}</strong>", label, _("已撤稿"))
        if obj.is_scheduled:
            return format_html("{} · {}", label, _("定时"))
        return label

    @admin.display(description=_("署名"))
    def byline_names(self, obj):
        return "、".join(byline.author.name for byline in obj.bylines.all())

    @admin.display(description=_("标签"))
    def tag_names(self, obj):
        return "、".join(tag.name for tag in obj.tags.all())

    @admin.display(description=_("题图"))
    def lead_thumb(self, obj):
        return thumbnail(obj.lead_photo, size=48)

    @admin.display(description=_("待处理举报"), ordering="open_reports")
    def open_report_count(self, obj):
        return getattr(obj, "open_reports", 0) or ""

    # --- change form --------------------------------------------------------------------

    @admin.display(description=_("预览"))
    def preview_link(self, obj):
        if not obj.pk:
            return _("保存后可预览。")
        hours = max(1, round(settings.PREVIEW_MAX_AGE / 3600))
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> <span class="help">{}</span>',
            preview_url(obj),
            _("以读者视角预览"),
            _("链接 %(hours)d 小时内有效，可发给未登录的同事。") % {"hours": hours},
        )

    @admin.display(description=_("发布检查"))
    def publication_check(self, obj):
        if not obj.pk:
            return _("保存后检查。")
        warnings = publication_warnings(obj)
        if not warnings:
            return _("未发现问题。")
        return format_html(
            '<ul class="errorlist">{}</ul>',
            format_html_join("", "<li>{}</li>", ((str(w),) for w in warnings)),
        )

    # --- saving -------------------------------------------------------------------------

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        if form.cleaned_data.get("new_tags"):
            article.tags.add(*form.cleaned_data["new_tags"])
        author = getattr(request.user, "author", None)
        if not change and author is not None and not article.bylines.exists():
            # A reporter's own story carries their byline unless they chose others.
            Byline.objects.create(article=article, author=author)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            # Only reachable if two saves slipped past the row lock; nothing was written.
            self.message_user(
                request,
                _("保存时这篇文章已被他人修改，您的修改没有保存。请查看最新内容后重试。"),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self.get_object(request, unquote(object_id))
        if current is None:
            raise Http404
        # simple_history saves a restored revision on POST after checking only the view
        # permission; restoring is a change, judged on the article as it is now.
        if request.method == "POST" and not self.has_change_permission(request, current):
            raise PermissionDenied
        request.reverting_revision = True
        with transaction.atomic():
            return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        if obj is not None and obj.pk:
            current = Article.objects.filter(pk=obj.pk).first()
            if current is None or not self.has_change_permission(request, current):
                return True
        return super().revert_disabled(request, obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("dateline_date", timezone.localdate())
        return initial
