"""Admin for authors: the people behind bylines, photo credits and editor lines."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.models import Author


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_reporter", "is_photographer", "is_editor", "user"]
    list_filter = ["is_reporter", "is_photographer", "is_editor"]
    list_select_related = ["user"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "bio", "photo"]}),
        (_("角色"), {"fields": ["is_reporter", "is_photographer", "is_editor", "user"]}),
    ]
