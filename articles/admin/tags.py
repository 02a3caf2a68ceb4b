"""Admin for the app's tags, searchable so the article form can autocomplete them."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from articles.models import Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name", "slug"]
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(num_articles=Count("tagged_articles"))

    @admin.display(description=_("文章数"), ordering="num_articles")
    def article_count(self, obj):
        return obj.num_articles
