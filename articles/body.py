"""The article body as readers see it, assembled on the server.

The stored body holds only the reporter's paragraphs. The dateline (电头) comes from the
source, place and date (the page adds the reporters in parentheses), inline photos go
between paragraphs (`ArticlePhoto.after_paragraph`) and "(完)" closes the story: all from
fields, so no one types them into the text.
"""

import functools
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from articles.sanitize import sanitize_body
from articles.text import china_time, month_day

BLOCK_TAGS = {"p", "h2", "h3", "ul", "ol", "blockquote"}


class _BlockSplitter(HTMLParser):
    """Splits sanitised HTML into its top-level blocks; loose inline content becomes a <p>."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.blocks = []
        self.current = []
        self.depth = 0
        self.loose = False

    def _close_loose(self):
        if self.loose:
            text = "".join(self.current).strip()
            if text:
                self.blocks.append(f"<p>{text}</p>")
            self.current, self.loose = [], False

    def _emit(self, markup):
        if self.depth == 0 and not self.loose:
            if not markup.strip():
                return
            self.loose = True
        self.current.append(markup)

    def handle_starttag(self, tag, attrs):
        markup = self.get_starttag_text()
        if self.depth == 0 and tag in BLOCK_TAGS:
            self._close_loose()
            self.current = [markup]
            self.depth = 1
        elif self.depth:
            self.current.append(markup)
            if tag != "br":
                self.depth += 1
        else:
            self._emit(markup)

    def handle_startendtag(self, tag, attrs):
        markup = self.get_starttag_text()
        if self.depth:
            self.current.append(markup)
        else:
            self._emit(markup)

    def handle_endtag(self, tag):
        if self.depth:
            self.current.append(f"</{tag}>")
            self.depth -= 1
            if self.depth == 0:
                self.blocks.append("".join(self.current))
                self.current = []
        else:
            self._emit(f"</{tag}>")

    def handle_data(self, data):
        self._emit(data)

    def handle_entityref(self, name):
        self._emit(f"&{name};")

    def handle_charref(self, name):
        self._emit(f"&#{name};")

    def close(self):
        super().close()
        if self.depth:  # unbalanced input: keep what there is
            self.blocks.append("".join(self.current))
        self._close_loose()


def split_blocks(body):
    """The body's top-level blocks as HTML strings, sanitised again on the way out."""
    return list(_split_blocks(body))


# Sanitising and splitting is pure work on the text: the articles being read now are
# a few hundred, so each process does it once per body, not once per page.
@functools.lru_cache(maxsize=512)
def _split_blocks(body):
    splitter = _BlockSplitter()
    splitter.feed(sanitize_body(body))
    splitter.close()
    return tuple(splitter.blocks)


@dataclass
class BodyPart:
    """One piece of the rendered body: a block of HTML or an inline photo."""

    html: str = ""
    photo: object = None


def _append_to_paragraph(block, markup):
    if block.startswith("<p>") and block.endswith("</p>"):
        return f"{block[:-4]}{markup}</p>"
    return None


def compose_body(body, inline_photos=()):
    """Blocks and inline photos in reading order, with "(完)" closing the story."""
    blocks = split_blocks(body)
    photos_after = {}
    for inline in inline_photos:
        photos_after.setdefault(min(inline.after_paragraph, len(blocks)), []).append(inline)
    # "(完)" ends the last paragraph, unless photos follow it: then it stands after them.
    end = format_html('<span class="end-mark">{}</span>', _("(完)"))
    closed = (
        bool(blocks) and not photos_after.get(len(blocks)) and _append_to_paragraph(blocks[-1], end)
    )
    if closed:
        blocks[-1] = closed
    parts = [BodyPart(photo=p) for p in photos_after.get(0, [])]
    for index, block in enumerate(blocks, start=1):
        parts.append(BodyPart(html=mark_safe(block)))  # sanitised in split_blocks
        parts.extend(BodyPart(photo=p) for p in photos_after.get(index, []))
    if not closed:
        parts.append(BodyPart(html=format_html('<p class="end">{}</p>', end)))
    return parts


def dateline(article):
    """中新网杭州1月16日电: source, dateline place and date (the publish day if none is set)."""
    day = article.dateline_date or (article.publish_at and china_time(article.publish_at).date())
    return _("%(source)s%(place)s%(date)s电") % {
        "source": article.source,
        "place": article.dateline_region.name if article.dateline_region_id else "",
        "date": month_day(day) if day else "",
    }
