"""HTML sanitising for article bodies: an nh3 allowlist plus removal of hidden junk.

Pasted Word or web HTML, scripts, event handlers, `javascript:` links and hidden
elements (the classic way spam rides along under a story) never reach a page.
"""

import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "h2",
    "h3",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9])",
    re.IGNORECASE,
)
EMPTY_INLINE = re.compile(r"<(strong|b|em|i|a)(?:\s[^>]*)?>\s*</\1>")
EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|<br>)*</p>")

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    clean_content_tags={"script", "style", "template", "iframe", "object", "noscript", "title"},
    strip_comments=True,
)


def is_hidden(attrs):
    """Whether an element's attributes hide it from readers (and so only serve robots)."""
    attrs = dict(attrs)
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    return bool(HIDDEN_STYLE.search(attrs.get("style") or ""))


class _HiddenElementStripper(HTMLParser):
    """Re-emits HTML without the elements that are hidden, children included."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.out = []
        self.skip_depth = 0
        self.removed = 0

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            if not self.skip_depth:
                self.out.append(self.get_starttag_text())
            return
        if self.skip_depth:
            self.skip_depth += 1
        elif is_hidden(attrs):
            self.skip_depth = 1
            self.removed += 1
        else:
            self.out.append(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        if not self.skip_depth:
            self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        if self.skip_depth:
            self.skip_depth -= 1
        else:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.skip_depth:
            self.out.append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def strip_hidden(html):
    """Remove hidden elements; returns (html, number removed)."""
    parser = _HiddenElementStripper()
    parser.feed(html)
    parser.close()
    return "".join(parser.out), parser.removed


def sanitize_body(html):
    """The body as it may be stored: allowlisted tags only, no hidden or empty junk."""
    if not html:
        return ""
    visible, _removed = strip_hidden(html)
    cleaned = _cleaner.clean(visible)
    cleaned = EMPTY_INLINE.sub("", cleaned)
    cleaned = EMPTY_PARAGRAPH.sub("", cleaned)
    return cleaned.strip()
