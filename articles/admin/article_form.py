"""The article change form: role-limited status choices, edit-conflict and spam checks."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from articles.admin.conflicts import conflict_message
from articles.models import Article
from articles.services import permissions
from articles.services.publishing import CHECKED_FIELDS, publication_warnings


def parse_tag_names(text):
    """Split "人工智能, 数据安全，温州" on ASCII and full-width commas."""
    names = (name.strip() for name in text.replace("，", ",").replace("、", ",").split(","))
    return [name[:100] for name in names if name]


class ArticleAdminForm(forms.ModelForm):
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    new_tags = forms.CharField(
        label=_("新标签"),
        required=False,
        max_length=500,
        help_text=_("新建标签，用逗号分隔；已有标签请在上面的“标签”里搜索选择。"),
    )
    confirm_warnings = forms.BooleanField(label=_("已核对发布检查的警告，确认发布"), required=False)

    # Set per request by ArticleAdmin.get_form.
    user = None
    reverting = False

    class Meta:
        model = Article
        # ArticleAdmin narrows these per role (read-only fields drop out).
        fields = [
            "title",
            "subtitle",
            "slug",
            "summary",
            "body",
            "source",
            "dateline_region",
            "dateline_date",
            "editor",
            "lead_photo",
            "tags",
            "status",
            "publish_at",
            "expires_at",
            "recommended_until",
            "is_reprint",
            "original_source",
            "original_title",
            "original_author",
            "original_url",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        may_publish = permissions.can_publish(self.user)
        if "status" in self.fields and not may_publish:
            self.fields["status"].choices = [
                (value, label)
                for value, label in Article.Status.choices
                if value in permissions.REPORTER_EDITABLE_STATUSES
            ]
        if not may_publish:
            self.fields.pop("confirm_warnings", None)
        if self.instance.pk and not self.is_bound:
            version = self.instance.version
            if self.reverting:
                # A revision being restored carries its old version; the lock is on today's.
                version = (
                    Article.objects.filter(pk=self.instance.pk)
                    .values_list("version", flat=True)
                    .first()
                )
            self.initial["base_version"] = version
        self.warnings = []

    def clean_new_tags(self):
        return parse_tag_names(self.cleaned_data.get("new_tags") or "")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self._version_is_current(cleaned):
            return cleaned
        status = cleaned.get("status", self.instance.status)
        if status == Article.Status.PUBLISHED:
            if "publish_at" in self.fields and not cleaned.get("publish_at"):
                cleaned["publish_at"] = timezone.now()
            if permissions.can_publish(self.user):
                self._check_warnings(cleaned)
        return cleaned

    def _version_is_current(self, cleaned):
        base = cleaned.get("base_version")
        # Locked until this request's transaction ends: a concurrent save waits, then sees
        # the version this one writes.
        current = (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if current is None:
            raise ValidationError(_("这篇文章已被删除。"), code="deleted")
        if base == current:
            return True
        if base is None:
            message = _("表单缺少版本信息，请重新打开这篇文章再修改。")
        else:
            message = conflict_message(
                self.instance.pk, base, current, list(self.fields), mine=cleaned
            )
        self.add_error(None, ValidationError(message, code="edit_conflict"))
        # The editor has now been shown the other changes: a second save may overwrite them.
        data = self.data.copy()
        data[self.add_prefix("base_version")] = current
        self.data = data
        return False

    def _check_warnings(self, cleaned):
        fields = {name: cleaned.get(name, getattr(self.instance, name)) for name in CHECKED_FIELDS}
        self.warnings = publication_warnings(fields)
        if self.warnings and not cleaned.get("confirm_warnings"):
            self.add_error(
                None,
                ValidationError(
                    format_html(
                        "{}<ul>{}</ul>",
                        _("发布检查发现以下问题。请修改正文，或勾选“确认发布”后再保存："),
                        format_html_join("", "<li>{}</li>", ((str(w),) for w in self.warnings)),
                    ),
                    code="publication_warnings",
                ),
            )
