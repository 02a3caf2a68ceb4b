"""Rendition widths and the arithmetic shared by the rendition maker and the image tags."""

# Phone (1x/2x), tablet and desktop widths; 1600 covers a 800px column on 2x screens.
WIDTHS = (320, 640, 1024, 1600)
FORMATS = ("webp", "jpeg")


def scaled_size(width, height, target_width):
    """The (width, height) of a rendition `target_width` wide, never larger than the source."""
    if target_width >= width:
        return width, height
    return target_width, max(1, round(height * target_width / width))


def widths_for(width):
    """Rendition widths for a source this wide: the standard ones that fit, plus the source
    width itself when it falls between two of them (so small photos still get one rendition,
    and nothing is ever upscaled)."""
    chosen = [w for w in WIDTHS if w < width]
    chosen.append(min(width, WIDTHS[-1]))
    return sorted(set(chosen))
