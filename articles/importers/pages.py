"""Saved article pages, as text or HTML, turned into lines for the wire parser.

HTML goes through selectolax's Lexbor parser, an HTML5 tree builder: unclosed and
misnested tags end up where a browser puts them, so "hidden" means what readers don't
see and dropping a hidden element never swallows the story after it (a hand-rolled
tag-depth counter over html.parser gets this wrong on broken pages). Text pages may carry
raw tags too (junk like `<kbd date-time="…"></kbd>` survives "save as text"); such lines
go through the same HTML reader.
"""

import codecs
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from selectolax.lexbor import LexborHTMLParser

from articles.importers.wire import Dropped, Line, ParseError, parse_lines
from articles.sanitize import is_hidden
from articles.spam_guard import check_article

SKIP_TAGS = {
    "head",
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "form",
    "button",
    "select",
    "textarea",
    "input",
}
FURNITURE_TAGS = {"nav", "aside", "footer"}
BLOCK_TAGS = {
    "address",
    "article",
    "blockquote",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
}
VOID_TAGS = {"br", "hr", "img", "wbr", "area", "col", "source", "track"}
TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
HTML_DOCUMENT = re.compile(r"^\s*(?:<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])", re.I)
PUBLISHED_META = (
    'meta[property="article:published_time"]',
    'meta[name="publishdate"]',
    'meta[name="pubdate"]',
    'meta[itemprop="datePublished"]',
)


@dataclass
class HTMLText:
    lines: list = field(default_factory=list)
    dropped: list = field(default_factory=list)


def decode(data):
    """The page's text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise ParseError(_("不是文本文件（含二进制内容）。"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ParseError(_("无法识别文件的文字编码（支持 UTF-8 和 GB18030）。"))


def read_page(data, *, today=None):
    """(WirePage, spam warnings) from the bytes of a saved page; ParseError if unreadable."""
    text = decode(data)
    if not text.strip():
        raise ParseError(_("文件是空的。"))
    if HTML_DOCUMENT.match(text):
        tree = LexborHTMLParser(text)
        found = html_text(tree.body or tree.root)
        page = parse_lines(
            found.lines,
            origin_url=_canonical_url(tree),
            published_at=_published_meta(tree),
            today=today,
        )
    else:
        found = text_lines(text)
        page = parse_lines(found.lines, today=today)
    page.dropped = found.dropped + page.dropped
    return page, check_article(text)


def text_lines(text):
    """Lines of a text page; lines with markup in them are read as HTML fragments."""
    found = HTMLText()
    for raw in text.splitlines():
        if TAG.search(raw):
            fragment = html_text(LexborHTMLParser(raw).body)
            found.lines.extend(fragment.lines)
            found.dropped.extend(fragment.dropped)
        elif raw.strip():
            found.lines.append(Line(" ".join(raw.split())))
    return found


def html_text(root):
    """The visible text of an HTML tree as block lines, plus what was dropped and why."""
    found, buffer = HTMLText(), []

    def flush():
        text = " ".join("".join(buffer).split())
        buffer.clear()
        if text:
            found.lines.append(Line(text))

    def walk(node):
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                buffer.append(child.text_content or "")
            elif tag.startswith("-") or tag in SKIP_TAGS:
                continue
            elif is_hidden(child.attributes):
                # No line break: a hidden element has no box, the text around it runs on.
                found.dropped.append(Dropped("hidden", _visible(child) or child.html[:80]))
            elif tag in FURNITURE_TAGS:
                flush()
                found.dropped.append(Dropped("furniture", _visible(child)))
            elif tag == "img":
                flush()
                found.lines.append(
                    Line(child.attributes.get("alt") or "", child.attributes.get("src") or "")
                )
            elif tag in VOID_TAGS:
                flush()
            elif not child.text(strip=True) and child.css_first("img") is None:
                found.dropped.append(Dropped("junk", child.html[:80]))
            else:
                block = tag in BLOCK_TAGS
                if block:
                    flush()
                walk(child)
                if block:
                    flush()

    if root is not None:
        walk(root)
        flush()
    return found


def _visible(node):
    return " ".join(node.text(separator=" ").split())


def _canonical_url(tree):
    for selector, attribute in (
        ('link[rel="canonical"]', "href"),
        ('meta[property="og:url"]', "content"),
    ):
        node = tree.css_first(selector)
        value = (node.attributes.get(attribute) or "").strip() if node else ""
        if value.startswith(("http://", "https://")):
            return value
    return ""


def _published_meta(tree):
    for selector in PUBLISHED_META:
        node = tree.css_first(selector)
        if node is not None and (value := _parse_time(node.attributes.get("content"))):
            return value
    return None


def _parse_time(value):
    try:
        parsed = parse_datetime((value or "").strip().replace(" ", "T", 1))
    except ValueError:
        return None
    if isinstance(parsed, datetime) and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed
