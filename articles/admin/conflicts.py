"""Edit conflicts: what another editor changed since this change form was opened.

The form carries the version it started from. When the row has moved on, the save is
refused and the editor is shown, field by field, the other editor's values, read from
the revision history (the revision with the starting version is the common ancestor).
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from articles.models import Article


def _display(record, field):
    value = getattr(record, field.attname)
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return Truncator(strip_tags(str(value))).chars(80)


def _raw(record, field):
    return getattr(record, field.attname)


def changed_fields(article_pk, base_version, field_names, mine=None):
    """Rows (label, value when the form opened, value now) for fields changed since then.

    Without a revision for the starting version (e.g. an imported row), the current
    values are compared with the submitted ones (`mine`, a dict of field name → value).
    """
    current = Article.objects.get(pk=article_pk)
    history = Article.history.filter(id=article_pk).order_by("-history_date", "-history_id")
    base = history.filter(version=base_version).first()
    rows = []
    for name in field_names:
        try:
            field = Article._meta.get_field(name)
        except FieldDoesNotExist:  # a form-only field such as new_tags
            continue
        if not field.concrete or field.many_to_many:
            continue
        if base is not None:
            if _raw(base, field) == _raw(current, field):
                continue
            before = _display(base, field)
        else:
            submitted = (mine or {}).get(name)
            if isinstance(submitted, models.Model):
                submitted = submitted.pk
            if submitted == _raw(current, field):
                continue
            before = "?"
        rows.append((str(field.verbose_name), before, _display(current, field)))
    return rows, history.select_related("history_user").first()


def conflict_message(article_pk, base_version, current_version, field_names, mine=None):
    """The form error shown when the article changed under the editor's feet."""
    rows, latest = changed_fields(article_pk, base_version, field_names, mine)
    who = (latest.history_user.get_username() if latest and latest.history_user else "") or _(
        "其他人"
    )
    when = timezone.localtime(latest.history_date).strftime("%H:%M") if latest else ""
    intro = format_html(
        _("这篇文章在您打开后已被 {who} 于 {when} 修改（版本 {base} → {current}），"),
        who=who,
        when=when,
        base=base_version,
        current=current_version,
    )
    if rows:
        changes = format_html(
            '<ul class="np-conflict">{}</ul>',
            format_html_join("", "<li><strong>{}</strong>：{} → {}</li>", rows),
        )
    else:
        changes = format_html(
            "<p>{}</p>", _("对方修改的是您无权编辑的字段，或署名、标签、正文图片等关联内容。")
        )
    advice = _("您的修改尚未保存。请核对对方的改动；再次点击保存将以您的版本为准。")
    return format_html("{}{}<p>{}</p>", intro, changes, advice)
