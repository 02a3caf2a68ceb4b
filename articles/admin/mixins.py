"""Small pieces shared by the newsroom's admin classes.

Cache invalidation after admin writes needs nothing here: articles.invalidation bumps the
content version on every save or delete of a content model.
"""

from django.core.files.storage import default_storage
from django.utils.html import format_html


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
