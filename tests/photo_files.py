"""Image files generated for the photo tests: ordinary, broken and hostile uploads.

Every file is built in memory here, so the tests need no binary fixtures.
"""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# D50-adapted sRGB primaries, for building ICC profiles.
SRGB_RED = (0.4361, 0.2225, 0.0139)
SRGB_GREEN = (0.3851, 0.7169, 0.0971)
SRGB_BLUE = (0.1431, 0.0606, 0.7141)


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def encode(image, image_format, **options):
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def jpeg(size=(800, 600), color=(200, 30, 30), **options):
    return encode(Image.new("RGB", size, color), "JPEG", **options)


def noise_jpeg(size=(400, 400)):
    """Incompressible pixels, so the file is big for its size."""
    return encode(Image.frombytes("RGB", size, _random_bytes(size[0] * size[1] * 3)), "JPEG")


def _random_bytes(count):
    # Deterministic pseudo-random bytes: a repeated hash chain is enough to defeat JPEG.
    import hashlib

    chunks, seed = [], b"photos"
    while sum(map(len, chunks)) < count:
        seed = hashlib.sha512(seed).digest()
        chunks.append(seed)
    return b"".join(chunks)[:count]


def split_jpeg(size=(800, 600)):
    """Left half red, right half blue: shows which way the pixels were turned."""
    image = Image.new("RGB", size, (220, 0, 0))
    image.paste((0, 0, 220), (size[0] // 2, 0, size[0], size[1]))
    return image


def exif_jpeg(orientation=1, size=(800, 600)):
    """A camera-style JPEG: orientation, owner name, serial number and a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x013B] = "Owner Zhang"
    exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 7.0, 12.5), 3: "E", 4: (120.0, 40.0, 1.0)})
    exif.get_ifd(0x8769)[0xA431] = "SN-9988776655"
    return encode(split_jpeg(size), "JPEG", exif=exif, quality=95)


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width=50_000, height=50_000):
    """A tiny PNG whose header declares width × height 1-bit pixels (2.5 gigapixels)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (1 + width // 8) * 16, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def svg(script=False):
    body = '<rect width="10" height="10" fill="red"/>'
    if script:
        body += "<script>alert(document.cookie)</script>"
    return (
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
        f'height="10">{body}</svg>'
    ).encode()


GIF_JS_PAYLOAD = b"*/=alert('gif-polyglot');"
HTML_PAYLOAD = b"<html><body><script>alert('jpeg-polyglot')</script></body></html>"


def gif_js_polyglot():
    """A valid GIF that is also JavaScript: the screen width bytes open a /* comment."""
    data = bytearray(encode(Image.new("P", (16, 16), 3), "GIF"))
    data[6:8] = b"/*"  # logical screen width 0x2A2F: "GIF89a/*" starts a JS comment
    assert b"*/" not in data
    return bytes(data) + GIF_JS_PAYLOAD


def jpeg_html_polyglot():
    """A valid JPEG with HTML in a comment segment and after the end-of-image marker."""
    return jpeg((320, 240), comment=HTML_PAYLOAD) + HTML_PAYLOAD


def cmyk_jpeg():
    return encode(Image.new("CMYK", (400, 300), (0, 255, 255, 0)), "JPEG")  # red ink


def sixteen_bit_png():
    """16-bit greyscale at half intensity (32768 of 65535)."""
    return encode(Image.new("I;16", (300, 200), 32768), "PNG")


def palette_png():
    """A palette image with a transparent background and an opaque red square."""
    image = Image.new("P", (300, 200), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(1, (100, 50, 200, 150))
    return encode(image, "PNG", transparency=0)


def animated_gif():
    frames = [Image.new("RGB", (200, 100), color) for color in ("red", "lime", "blue")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


def bmp():
    return encode(Image.new("RGB", (50, 50), "red"), "BMP")


def truncated_jpeg():
    data = noise_jpeg((400, 300))
    return data[: len(data) // 2]


def _s15(value):
    return struct.pack(">i", round(value * 65536))


def _xyz(x, y, z):
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


def _curve(gamma):
    return b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"


def _desc(text):
    ascii_text = text.encode() + b"\0"
    return b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_text)) + ascii_text + b"\0" * 78


def swapped_rgb_profile():
    """An ICC v2 RGB profile whose red and green primaries are sRGB's green and red.

    Pixels tagged with it that say (255, 0, 0) mean sRGB green: a conversion that honours
    the profile turns them green, one that ignores it leaves them red.
    """
    tags = [
        (b"desc", _desc("Swapped test RGB")),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(*SRGB_GREEN)),
        (b"gXYZ", _xyz(*SRGB_RED)),
        (b"bXYZ", _xyz(*SRGB_BLUE)),
        (b"rTRC", _curve(2.2)),
        (b"gTRC", _curve(2.2)),
        (b"bTRC", _curve(2.2)),
        (b"cprt", b"text\0\0\0\0none\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    header = (
        struct.pack(">I", offset + len(body))
        + b"\0" * 4
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 28
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 48
    )
    return header + struct.pack(">I", len(tags)) + table + body


def icc_jpeg():
    return jpeg((400, 300), (255, 0, 0), icc_profile=swapped_rgb_profile(), quality=95)


def _iptc_dataset(record, number, value):
    return struct.pack(">BBBH", 0x1C, record, number, len(value)) + value


def iptc_jpeg(caption="", byline="", credit=""):
    """A JPEG with an IPTC block (Photoshop APP13), as agencies and photo desks write it."""
    iim = _iptc_dataset(1, 90, b"\x1b%G")  # UTF-8
    for number, text in ((120, caption), (80, byline), (110, credit)):
        if text:
            iim += _iptc_dataset(2, number, text.encode())
    resource = b"8BIM\x04\x04\0\0" + struct.pack(">I", len(iim)) + iim + b"\0" * (len(iim) % 2)
    payload = b"Photoshop 3.0\0" + resource
    segment = b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload
    data = jpeg()
    return data[:2] + segment + data[2:]


def xmp_jpeg(description="", creator=""):
    xmp = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description rdf:about="">'
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{description}</rdf:li>'
        "</rdf:Alt></dc:description>"
        f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    return jpeg(xmp=xmp.encode())
