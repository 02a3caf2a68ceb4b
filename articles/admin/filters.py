"""Changelist filters for articles: province, tag and author, each one query at most.

Tags and authors run into the thousands, so the sidebar offers the most used ones;
any other can still be filtered by its id in the URL (links from the tag/author lists).
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from articles.models import Author, Byline, Region, Tag, TaggedArticle

SIDEBAR_CHOICES = 40


class ProvinceFilter(admin.SimpleListFilter):
    title = _("地区")
    parameter_name = "province"

    def lookups(self, request, model_admin):
        provinces = Region.objects.filter(parent__isnull=True).order_by("position", "id")
        return [(str(region.pk), region.name) for region in provinces]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(province_id=int(value))
        return queryset


class _TopRelatedFilter(admin.SimpleListFilter):
    """The most used related rows as choices; any id in the URL still filters."""

    model = None
    count_field = ""

    def article_ids(self, pk):
        raise NotImplementedError

    def lookups(self, request, model_admin):
        top = (
            self.model.objects.annotate(uses=Count(self.count_field))
            .filter(uses__gt=0)
            .order_by("-uses", "pk")[:SIDEBAR_CHOICES]
        )
        choices = [(str(obj.pk), str(obj)) for obj in top]
        value = self.value()
        if value and value.isdigit() and value not in {pk for pk, _label in choices}:
            selected = self.model.objects.filter(pk=int(value)).first()
            if selected is not None:
                choices.insert(0, (value, str(selected)))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            # A subquery, not a join: an author with two bylines must not list a story twice.
            return queryset.filter(pk__in=self.article_ids(int(value)))
        return queryset


class TagFilter(_TopRelatedFilter):
    title = _("标签")
    parameter_name = "tag"
    model = Tag
    count_field = "tagged_articles"

    def article_ids(self, pk):
        return TaggedArticle.objects.filter(tag_id=pk).values("content_object_id")


class AuthorFilter(_TopRelatedFilter):
    title = _("作者")
    parameter_name = "author"
    model = Author
    count_field = "articles"

    def article_ids(self, pk):
        return Byline.objects.filter(author_id=pk).values("article_id")
