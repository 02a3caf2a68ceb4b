"""Turn any decoded upload into an upright 8-bit sRGB image (RGB, or RGBA when transparent).

Handles EXIF orientation, embedded ICC profiles (CMYK and wide-gamut RGB), 16-bit and
1-bit greyscale, palettes and alpha. The result carries no metadata at all, so nothing
the camera wrote (GPS, serial numbers, owner) can reach a saved file.
"""

import io
import logging

from PIL import ImageCms, ImageOps

logger = logging.getLogger(__name__)

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
SIXTEEN_BIT = {"I;16", "I;16B", "I;16L", "I;16N", "I"}


ORIENTATION = 0x0112


def _orient(image):
    try:
        if image.getexif().get(ORIENTATION, 1) in (1, None):
            return image  # upright already; exif_transpose would still copy every pixel
        return ImageOps.exif_transpose(image)
    except Exception:  # unreadable EXIF: keep the pixels as stored
        logger.info("could not apply EXIF orientation", exc_info=True)
        return image


def _eight_bit(image):
    """Reduce exotic modes to L, RGB, RGBA or CMYK without clipping or losing alpha."""
    mode = image.mode
    if mode in SIXTEEN_BIT:
        # convert("L") would clip everything above 255 to white; scale 0–65535 to 0–255.
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if mode == "1":
        return image.convert("L")
    if mode in ("P", "PA"):
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if mode in ("LA", "La", "RGBa", "RGBA") or "transparency" in image.info:
        return image.convert("RGBA")
    if mode in ("L", "RGB", "CMYK"):
        return image
    return image.convert("RGB")


def _to_srgb(image, icc):
    """Apply the embedded profile; a broken or mismatched one falls back to a plain convert."""
    out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if "srgb" not in ImageCms.getProfileDescription(source).lower() or image.mode != "RGB":
                return ImageCms.profileToProfile(
                    image,
                    source,
                    SRGB,
                    renderingIntent=ImageCms.Intent.PERCEPTUAL,
                    outputMode=out_mode,
                )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            logger.info("ignoring unusable ICC profile", exc_info=True)
    return image if image.mode == out_mode else image.convert(out_mode)


def _drop_opaque_alpha(image):
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        return image.convert("RGB")
    return image


def to_display_image(image):
    """The upright sRGB pixels of `image` (already loaded), with an empty info dict."""
    icc = image.info.get("icc_profile")
    image = _orient(image)
    image = _eight_bit(image)
    image = _to_srgb(image, icc)
    image = _drop_opaque_alpha(image)
    image.info = {}
    return image
