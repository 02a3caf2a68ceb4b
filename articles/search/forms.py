"""The search form: the query and its filters, validated so no input can reach a 500."""

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles.models import Region, Tag
from articles.search import query as search_query
from articles.search import text as search_text
from articles.search.engine import Search

# Dates outside these years are typos, and would overflow the time zone arithmetic.
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
NEWEST = "new"


class QueryField(forms.CharField):
    """Keeps whatever was typed, minus control characters (NUL included)."""

    def to_python(self, value):
        return search_text.clean(super().to_python(value))


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )


class SearchForm(forms.Form):
    q = QueryField(label=_("关键词"), required=False)
    region = forms.CharField(label=_("地区"), required=False)
    tag = forms.CharField(label=_("标签"), required=False)
    date_from = _date_field(_("起始日期"))
    date_to = _date_field(_("截止日期"))
    order = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[("", _("按相关度")), (NEWEST, _("按时间"))],
    )

    def clean_region(self):
        slug = self.cleaned_data["region"].strip()
        if not slug:
            return None
        region = Region.objects.select_related("parent").filter(slug=slug[:60]).first()
        if region is None:
            raise forms.ValidationError(_("没有这个地区。"))
        return region

    def clean_tag(self):
        value = self.cleaned_data["tag"].strip()
        if not value:
            return None
        tag = Tag.objects.filter(Q(slug=value[:100]) | Q(name=value[:100])).first()
        if tag is None:
            raise forms.ValidationError(_("没有这个标签。"))
        return tag

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data

    def search(self):
        """The Search for a valid form (its query may be empty)."""
        data = self.cleaned_data
        return Search(
            query=search_query.parse(data["q"]),
            region=data["region"],
            tag=data["tag"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            newest_first=data["order"] == NEWEST,
        )
