"""QR codes of article URLs, drawn on the server as inline SVG for WeChat's scanner.

Inline SVG needs no request, no script and no image endpoint, and prints with the page.
"""

import functools

import segno
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


@functools.lru_cache(maxsize=512)
def qr_svg(url):
    """An <svg> QR code of `url`; segno escapes the title and draws only paths."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=4, border=2, dark="#111", light="#fff", title=_("用微信扫码阅读"), svgclass="qr"
    )
    return mark_safe(svg)
