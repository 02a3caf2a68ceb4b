"""Caption and photographer credit read from an upload's IPTC, XMP or EXIF metadata.

Cameras and agencies write them; the upload form offers them to the editor to confirm.
They are only read here, never copied into the served renditions.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from PIL import IptcImagePlugin

logger = logging.getLogger(__name__)

CAPTION_MAX = 500
NAME_MAX = 60
XMP_MAX_BYTES = 512 * 1024

# IPTC IIM dataset numbers (record 2).
IPTC_CAPTION = (2, 120)
IPTC_BYLINE = (2, 80)
IPTC_CREDIT = (2, 110)
IPTC_CHARSET = (1, 90)
UTF8_ESCAPE = b"\x1b%G"
# EXIF tags written by cameras set up with the owner's name.
EXIF_DESCRIPTION = 0x010E
EXIF_ARTIST = 0x013B

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass
class PhotoMetadata:
    caption: str = ""
    credit: str = ""


def _clean(text, limit):
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
    return re.sub(r"\s+", " ", text).strip()[:limit]


def _decode(value, utf8):
    if isinstance(value, list):
        value = value[0] if value else b""
    if isinstance(value, str):
        return value
    encodings = ("utf-8",) if utf8 else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return value.decode(encoding)
        except UnicodeDecodeError:
            continue
    return value.decode("latin-1")


def _iptc(image):
    try:
        info = IptcImagePlugin.getiptcinfo(image) or {}
    except Exception:  # a broken Photoshop block only loses the prefill
        logger.info("unreadable IPTC block", exc_info=True)
        return {}
    utf8 = _decode(info.get(IPTC_CHARSET, b""), True).encode() == UTF8_ESCAPE
    return {key: _decode(value, utf8) for key, value in info.items() if key[0] == 2}


def _xmp_root(image):
    raw = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")
    if not raw or len(raw) > XMP_MAX_BYTES:
        return None
    raw = raw.strip(b"\x00 \r\n\t")
    try:
        # defusedxml refuses DTDs and entities: XMP never needs them.
        return fromstring(raw, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        return None


def _xmp_value(root, tag):
    """A property written either as an attribute of rdf:Description or as an element."""
    prefix, name = tag.split(":")
    qualified = f"{{{NS[prefix]}}}{name}"
    for description in root.iter(f"{{{NS['rdf']}}}Description"):
        if qualified in description.attrib:
            return description.attrib[qualified]
    for element in root.iter(qualified):
        items = list(element.iter(f"{{{NS['rdf']}}}li"))
        if not items:
            return element.text or ""
        chinese = [li for li in items if (li.get(XML_LANG) or "").lower().startswith("zh")]
        default = [li for li in items if li.get(XML_LANG) == "x-default"]
        return ((chinese or default or items)[0].text) or ""
    return ""


def _exif(image):
    try:
        return image.getexif()
    except Exception:
        return {}


def read_metadata(image):
    """The caption and photographer name an opened image carries, empty when none."""
    iptc = _iptc(image)
    root = _xmp_root(image)
    xmp = {}
    if root is not None:
        for tag in ("dc:description", "dc:creator", "photoshop:Credit"):
            xmp[tag] = _xmp_value(root, tag)
    exif = _exif(image)
    captions = [
        iptc.get(IPTC_CAPTION),
        xmp.get("dc:description"),
        exif.get(EXIF_DESCRIPTION),
    ]
    credits = [
        iptc.get(IPTC_BYLINE),
        xmp.get("dc:creator"),
        iptc.get(IPTC_CREDIT),
        xmp.get("photoshop:Credit"),
        exif.get(EXIF_ARTIST),
    ]
    caption = next((_clean(str(c), CAPTION_MAX) for c in captions if c and str(c).strip()), "")
    credit = next((_clean(str(c), NAME_MAX) for c in credits if c and str(c).strip()), "")
    return PhotoMetadata(caption=caption, credit=credit)


def name_candidates(credit):
    """Ways a credit line may spell a person's name: "摄影：王斌", "王斌 摄", "新华社记者 王斌"."""
    name = re.sub(r"^(摄影|图|记者|图片)\s*[:：]\s*", "", credit.strip())
    name = re.sub(r"\s*(摄影?|供图)$", "", name).strip()
    name = re.split(r"\s*[/／|]\s*", name)[0].strip()
    candidates = [credit.strip(), name]
    if " " in name:
        candidates.append(name.rsplit(" ", 1)[-1])
    return [c for c in dict.fromkeys(candidates) if c]
