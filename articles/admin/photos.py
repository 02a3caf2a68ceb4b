"""Admin for photos: uploads go through the photos app's validating form; lists show thumbnails.

`PhotoForm` validates and re-encodes the file, writes the renditions, and requires caption,
alt text and photographer; the row is saved with `save_photo()` so files and row stand or
fall together, and deleting removes the files once the deletion commits.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.admin.mixins import thumbnail
from articles.models import Photo
from articles.photos.forms import PhotoForm
from articles.photos.services import delete_photos


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    form = PhotoForm
    list_display = ["thumb", "caption", "photographer", "taken_on", "uploaded_at"]
    list_display_links = ["thumb", "caption"]
    list_select_related = ["photographer"]
    list_filter = ["uploaded_at"]
    search_fields = ["caption", "alt_text", "photographer__name"]
    autocomplete_fields = ["photographer"]
    date_hierarchy = "uploaded_at"
    fields = [
        "upload",
        "pending_upload",
        "thumb",
        "caption",
        "alt_text",
        "photographer",
        "taken_on",
        "size",
    ]
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
        form.save_photo(uploaded_by=None if change else request.user)

    def delete_model(self, request, obj):
        delete_photos([obj])

    def delete_queryset(self, request, queryset):
        delete_photos(queryset)
