"""Admin for photos: caption, alt text and photographer are required; lists show thumbnails."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.admin.mixins import BumpsContentVersion, thumbnail
from articles.models import Photo


@admin.register(Photo)
class PhotoAdmin(BumpsContentVersion, admin.ModelAdmin):
    list_display = ["thumb", "caption", "photographer", "taken_on", "uploaded_at"]
    list_display_links = ["thumb", "caption"]
    list_select_related = ["photographer"]
    list_filter = ["uploaded_at"]
    search_fields = ["caption", "alt_text", "photographer__name"]
    autocomplete_fields = ["photographer"]
    date_hierarchy = "uploaded_at"
    fields = ["image", "thumb", "caption", "alt_text", "photographer", "taken_on", "size"]
    readonly_fields = ["thumb", "size"]

    @admin.display(description=_("预览"))
    def thumb(self, obj):
        return thumbnail(obj if obj.pk else None)

    @admin.display(description=_("尺寸"))
    def size(self, obj):
        if obj.width and obj.height:
            return f"{obj.width} × {obj.height}"
        return "—"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
