"""Checks an uploaded file is a photo we can safely decode, before anything is stored.

The browser's file name and content type are ignored: the format is decided by the bytes,
only JPEG, PNG, WebP and GIF decoders are ever run, the pixel count is checked from the
header before any decoding (decompression bombs), and the first frame is fully decoded so
truncated or corrupt files fail here rather than when renditions are made.
"""

import logging
import warnings
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from articles.photos.metadata import PhotoMetadata, read_metadata

logger = logging.getLogger(__name__)

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# 64 megapixels: every current news camera, while one decoded RGB frame stays under 200 MB.
DEFAULT_MAX_PIXELS = 64_000_000

NOT_AN_IMAGE = _("无法识别的图片文件。请上传 JPEG、PNG、WebP 或 GIF 图片。")
SVG_REFUSED = _("不接受 SVG 矢量图（可能含有脚本）。请导出为 PNG 或 JPEG 后上传。")
CORRUPT = _("图片文件已损坏或不完整，无法读取。请重新导出后上传。")


@dataclass
class InspectedImage:
    """A decoded upload: the first frame's pixels, what the file was, and its captions."""

    image: Image.Image
    format: str
    animated: bool = False
    metadata: PhotoMetadata = field(default_factory=PhotoMetadata)


def max_upload_bytes():
    return settings.PHOTO_MAX_UPLOAD_BYTES


def max_pixels():
    return getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def _looks_like_svg(head):
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") and (b"<svg" in text or b"svg+xml" in text)


def _check_size(upload):
    size = upload.size
    if not size:
        raise ValidationError(_("上传的文件是空的。"), code="empty")
    if size > max_upload_bytes():
        raise ValidationError(
            _("文件太大（%(size)s），上限为 %(limit)s。"),
            code="too_large",
            params={
                "size": filesizeformat(size),
                "limit": filesizeformat(max_upload_bytes()),
            },
        )


def _open(upload):
    """Open by content with only our four decoders; reads the header, decodes nothing."""
    upload.seek(0)
    with warnings.catch_warnings():
        # We enforce our own, lower pixel limit right after opening.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(upload, formats=ALLOWED_FORMATS)


def _check_pixels(image):
    width, height = image.size
    if width < 1 or height < 1:
        raise ValidationError(CORRUPT, code="corrupt")
    if width * height > max_pixels():
        raise ValidationError(
            _("图片像素过多（%(width)s×%(height)s），上限为 %(limit)s 万像素。"),
            code="too_many_pixels",
            params={"width": width, "height": height, "limit": max_pixels() // 10_000},
        )


def inspect_upload(upload):
    """Validate an uploaded file and return its decoded first frame, or raise ValidationError."""
    _check_size(upload)
    upload.seek(0)
    if _looks_like_svg(upload.read(2048)):
        raise ValidationError(SVG_REFUSED, code="svg")
    try:
        with _open(upload) as probe:
            _check_pixels(probe)
            probe.verify()  # structure and checksums (PNG CRCs), without decoding
        image = _open(upload)  # verify() leaves the image unusable: open it again to decode
        image_format = image.format
        animated = bool(getattr(image, "is_animated", False))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()  # the full decode of the first frame; truncation raises here
        metadata = read_metadata(image)
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            _("图片像素过多，疑似“解压炸弹”，已拒绝。"), code="too_many_pixels"
        ) from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from exc
    except Exception as exc:
        # Decoders fail with OSError, SyntaxError, ValueError, struct.error, EOFError,
        # MemoryError…; whatever the bytes did, the editor gets a form error, not a 500.
        logger.info("photo upload failed to decode: %r", exc)
        raise ValidationError(CORRUPT, code="corrupt") from exc
    return InspectedImage(image=image, format=image_format, animated=animated, metadata=metadata)
