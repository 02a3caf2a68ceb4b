"""Inlines on the article form: bylines, photos inside the body, public corrections.

Each follows its article: whoever may not change the article may not change these.
"""

from django.contrib import admin

from articles.admin.mixins import thumbnail
from articles.models import ArticlePhoto, Byline, Correction
from articles.services import permissions


class FollowsArticle:
    def _article_editable(self, request, obj):
        return obj is None or permissions.can_edit(request.user, obj)

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and self._article_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._article_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._article_editable(request, obj)


class BylineInline(FollowsArticle, admin.TabularInline):
    model = Byline
    fields = ["author", "role", "position"]
    autocomplete_fields = ["author"]
    extra = 1


class ArticlePhotoInline(FollowsArticle, admin.TabularInline):
    model = ArticlePhoto
    fields = ["photo", "thumb", "after_paragraph"]
    readonly_fields = ["thumb"]
    autocomplete_fields = ["photo"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("photo")

    @admin.display(description="")
    def thumb(self, obj):
        return thumbnail(obj.photo if obj.pk else None)


class CorrectionInline(FollowsArticle, admin.TabularInline):
    model = Correction
    fields = ["published_at", "text"]
    extra = 0
