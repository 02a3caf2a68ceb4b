"""Encoding: the sanitised original and the WebP/JPEG renditions, as bytes in memory.

Works on the output of `normalise.to_display_image`, so every file written is freshly
encoded from pixels: no metadata and nothing appended to the upload (polyglots) survives.
"""

import io
from dataclasses import dataclass

from PIL import Image

from articles.photos.sizes import scaled_size, widths_for

JPEG_OPTIONS = {"quality": 80, "optimize": True, "progressive": True, "subsampling": "4:2:0"}
WEBP_OPTIONS = {"quality": 76, "method": 4}
ORIGINAL_JPEG_OPTIONS = {"quality": 92, "optimize": True, "subsampling": "4:2:0"}
EXTENSIONS = {"jpeg": "jpg", "webp": "webp", "png": "png"}


@dataclass(frozen=True)
class Encoded:
    kind: str  # "original" or the rendition format, "webp" / "jpeg"
    width: int
    height: int
    extension: str
    data: bytes


def _bytes(image, image_format, **options):
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _flatten(image):
    """JPEG has no alpha: put transparent areas on white, as the page background is."""
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def encode_original(image, source_format):
    """The full-size file kept as "the original": PNG for graphics and transparency."""
    if image.mode == "RGBA" or source_format in ("PNG", "GIF"):
        data = _bytes(image, "PNG", compress_level=6)
        return Encoded("original", *image.size, "png", data)
    return Encoded("original", *image.size, "jpg", _bytes(image, "JPEG", **ORIGINAL_JPEG_OPTIONS))


def encode_renditions(image):
    """Every rendition of `image`, widest first; each size is resized from the previous one."""
    results = []
    current = image
    for width in reversed(widths_for(image.width)):
        size = scaled_size(image.width, image.height, width)
        if size != current.size:
            # reducing_gap makes the big first step (e.g. 6000→1600) fast at no visible cost.
            current = current.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        results.append(Encoded("webp", *size, "webp", _bytes(current, "WEBP", **WEBP_OPTIONS)))
        flat = _flatten(current)
        results.append(Encoded("jpeg", *size, "jpg", _bytes(flat, "JPEG", **JPEG_OPTIONS)))
    return results
