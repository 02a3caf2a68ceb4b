"""Behaviour shared by the newsroom's admin classes."""

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.html import format_html

from articles.caching import bump_content_version


def bump_after_commit():
    transaction.on_commit(bump_content_version, robust=True)


class BumpsContentVersion:
    """Any admin write makes every cached public page stale once it commits.

    Names, captions and settings all appear on reader pages, so every model counts.
    """

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        bump_after_commit()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        bump_after_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        bump_after_commit()


def _thumbnail_url(photo):
    # The smallest JPEG rendition (see Photo.renditions) spares the list a 30 MB original.
    jpeg = (photo.renditions or {}).get("jpeg") or {}
    widths = sorted(int(width) for width in jpeg if str(width).isdigit())
    if widths:
        return default_storage.url(jpeg.get(str(widths[0])) or jpeg.get(widths[0]))
    return photo.image.url


def thumbnail(photo, size=64):
    """A small preview of a photo for admin lists and forms."""
    if photo is None or not photo.image:
        return "—"
    return format_html(
        '<img src="{}" alt="{}" width="{}" loading="lazy" class="np-admin-thumb">',
        _thumbnail_url(photo),
        photo.alt_text,
        size,
    )
