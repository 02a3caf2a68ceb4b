"""A photo's renditions as <picture> (with WebP and JPEG srcsets) and as a preload link.

Both read only the Photo row the caller already has (image name, width, height,
alt_text, renditions), so they never run a query. In templates:

    {{ preload_image(article.lead_photo) }}                     in <head>, lead photo only
    {% from "articles/includes/picture.html" import picture %}
    {{ picture(article.lead_photo, eager=True) }}               the lead photo
    {{ picture(photo, sizes="(max-width: 640px) 100vw, 640px") }}
"""

from django.utils.html import format_html

from articles.photos.sizes import scaled_size

DEFAULT_SIZES = "(max-width: 640px) 100vw, 640px"
# The <img src> for browsers without srcset support: the rendition closest to a desktop column.
FALLBACK_WIDTH = 1024


def _srcset(storage, paths):
    """`url 320w, url 640w, …` from a {"320": "path", …} mapping, narrowest first."""
    pairs = sorted((int(width), path) for width, path in paths.items())
    return ", ".join(f"{storage.url(path)} {width}w" for width, path in pairs)


def picture_context(photo, sizes=DEFAULT_SIZES, eager=False, css_class=""):
    """What picture.html needs; empty when there is nothing to show. Lazy unless `eager`."""
    if photo is None or not photo.image:
        return {}
    storage = photo.image.storage
    context = {"alt": photo.alt_text, "eager": eager, "sizes": sizes, "css_class": css_class}
    jpeg = (photo.renditions or {}).get("jpeg") or {}
    if not jpeg or not photo.width:
        # Not processed yet: the (already sanitised) original, at its own size.
        return context | {"src": photo.image.url, "width": photo.width, "height": photo.height}
    widths = sorted(int(width) for width in jpeg)
    fallback = max([w for w in widths if w <= FALLBACK_WIDTH] or widths[:1])
    largest = widths[-1]
    width, height = scaled_size(photo.width, photo.height, largest)
    return context | {
        "src": storage.url(jpeg[str(fallback)]),
        "jpeg_srcset": _srcset(storage, jpeg),
        "webp_srcset": _srcset(storage, photo.renditions.get("webp") or {}),
        "width": width,
        "height": height,
    }


def preload_image(photo, sizes=DEFAULT_SIZES):
    """<link rel="preload"> for the lead photo, matching what its <picture> will pick."""
    context = picture_context(photo, sizes=sizes)
    if not context:
        return ""
    if context.get("webp_srcset"):
        return format_html(
            '<link rel="preload" as="image" type="image/webp" imagesrcset="{}" '
            'imagesizes="{}" fetchpriority="high">',
            context["webp_srcset"],
            sizes,
        )
    return format_html(
        '<link rel="preload" as="image" href="{}" fetchpriority="high">', context["src"]
    )
