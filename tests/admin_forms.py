"""Helpers for admin tests: read a change form as a browser would and post it back."""

from datetime import date, datetime, time

from django import forms
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse


def _encode(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value)


def _bound_field_data(bound, data):
    widget = bound.field.widget
    value = bound.value()
    if isinstance(widget, forms.MultiWidget):
        for index, part in enumerate(widget.decompress(value)):
            data[f"{bound.html_name}_{index}"] = _encode(part)
        return
    if getattr(widget, "allow_multiple_selected", False) or isinstance(value, list | tuple):
        data[bound.html_name] = [_encode(item) for item in value or []]
        return
    encoded = _encode(value)
    if encoded is not None:
        data[bound.html_name] = encoded


def _form_data(form, data):
    for name in form.fields:
        _bound_field_data(form[name], data)


def change_form_data(response, **changes):
    """The POST a browser would send for the admin form in `response`, with `changes`."""
    data = {}
    _form_data(response.context["adminform"].form, data)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        _form_data(formset.management_form, data)
        for form in formset.forms:
            _form_data(form, data)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def article_form_data(client, article=None, **changes):
    """GET the article's change (or add) form with `client` and return its POST data."""
    if article is None:
        url = reverse("admin:articles_article_add")
    else:
        url = reverse("admin:articles_article_change", args=[article.pk])
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return change_form_data(response, **changes)


def changelist_url():
    return reverse("admin:articles_article_changelist")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def run_action(client, action, articles, **extra):
    """POST an admin action on the changelist, as the action bar does."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(a.pk) for a in articles], **extra}
    if "apply" not in extra:
        data["index"] = "0"
    return client.post(changelist_url(), data)
