"""Changelist actions for the publishing workflow, each a thin call into the services.

Schedule, retract and recommend ask for a time or reason on an intermediate page.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers, widgets
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles.services import publishing


class ScheduleForm(forms.Form):
    at = forms.SplitDateTimeField(label=_("发布时间"), widget=widgets.AdminSplitDateTime)

    def clean_at(self):
        at = self.cleaned_data["at"]
        if at <= timezone.now():
            raise forms.ValidationError(_("定时发布的时间必须在将来。"))
        return at


class RetractForm(forms.Form):
    reason = forms.CharField(
        label=_("撤稿原因"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        help_text=_("将显示在文章页面上，读者可见。"),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("撤稿必须写明原因。"))
        return reason


class RecommendForm(forms.Form):
    until = forms.DateField(
        label=_("推荐至"),
        widget=widgets.AdminDateWidget,
        help_text=_("含当天：推荐到这一天结束。"),
    )

    def clean_until(self):
        day = self.cleaned_data["until"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("推荐截止日期不能早于今天。"))
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _apply(modeladmin, request, queryset, step, done_message):
    """Run one service step on every selected article, reporting what did not apply."""
    done = 0
    for article in queryset:
        try:
            step(article)
        except (publishing.PublishingError, PermissionDenied) as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)


def _ask(modeladmin, request, queryset, form_class, title, action_name, intro):
    """The intermediate page: show the form until it is valid, then return its data."""
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            return form.cleaned_data, None
    else:
        form = form_class()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "form": form,
        "articles": queryset,
        "action_name": action_name,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "opts": modeladmin.model._meta,
        "media": modeladmin.media + form.media,
    }
    return None, TemplateResponse(request, "admin/articles/article/action_form.html", context)


class PublishingActions:
    actions = ["submit_for_review", "publish_now", "schedule", "unpublish", "retract", "recommend"]

    @admin.action(description=_("送审"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        _apply(
            self,
            request,
            queryset,
            lambda article: publishing.submit_for_review(article, request.user),
            lambda n: ngettext("%d 篇文章已送审。", "%d 篇文章已送审。", n) % n,
        )

    @admin.action(description=_("立即发布"), permissions=["publish"])
    def publish_now(self, request, queryset):
        _apply(
            self,
            request,
            queryset,
            lambda article: publishing.publish_now(article, request.user),
            lambda n: ngettext("%d 篇文章已发布。", "%d 篇文章已发布。", n) % n,
        )

    @admin.action(description=_("定时发布…"), permissions=["publish"])
    def schedule(self, request, queryset):
        data, page = _ask(
            self,
            request,
            queryset,
            ScheduleForm,
            _("定时发布"),
            "schedule",
            _("以下文章将在设定的时间自动出现在网站上。"),
        )
        if page:
            return page
        _apply(
            self,
            request,
            queryset,
            lambda article: publishing.schedule(article, request.user, data["at"]),
            lambda n: ngettext("%d 篇文章已定时发布。", "%d 篇文章已定时发布。", n) % n,
        )
        return None

    @admin.action(description=_("撤下"), permissions=["publish"])
    def unpublish(self, request, queryset):
        _apply(
            self,
            request,
            queryset,
            lambda article: publishing.unpublish(article, request.user),
            lambda n: ngettext("%d 篇文章已撤下。", "%d 篇文章已撤下。", n) % n,
        )

    @admin.action(description=_("撤稿…"), permissions=["retract"])
    def retract(self, request, queryset):
        data, page = _ask(
            self,
            request,
            queryset,
            RetractForm,
            _("撤稿"),
            "retract",
            _("撤稿后文章保留原网址并显示撤稿说明，不再出现在列表、搜索和推荐中。"),
        )
        if page:
            return page
        _apply(
            self,
            request,
            queryset,
            lambda article: publishing.retract(article, request.user, data["reason"]),
            lambda n: ngettext("%d 篇文章已撤稿。", "%d 篇文章已撤稿。", n) % n,
        )
        return None

    @admin.action(description=_("设为热点推荐…"), permissions=["recommend"])
    def recommend(self, request, queryset):
        data, page = _ask(
            self,
            request,
            queryset,
            RecommendForm,
            _("热点推荐"),
            "recommend",
            _("以下文章将出现在“热点推荐”中，直到所选日期结束。"),
        )
        if page:
            return page
        _apply(
            self,
            request,
            queryset,
            lambda article: publishing.recommend(article, request.user, data["until"]),
            lambda n: ngettext("%d 篇文章已设为推荐。", "%d 篇文章已设为推荐。", n) % n,
        )
        return None
