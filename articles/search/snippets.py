"""Highlighted titles and snippets: the reader's words wrapped in <mark>, all else escaped.

Matching runs on a character-aligned normalised copy of the text (simplified, lower case,
half-width), so a simplified query marks the traditional characters it matched.
"""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.search import text as search_text

SNIPPET_CHARS = 120
LEAD_CHARS = 24
# Matches further into a long body are not worth normalising the whole body for.
SOURCE_CHARS = 3000
LATIN = re.compile(r"[0-9a-z]")


def spans(text, needles):
    """Sorted, merged (start, end) ranges of the needles in text."""
    folded = search_text.aligned_normalize(text)
    found = []
    for needle in needles:
        start = folded.find(needle)
        while start != -1:
            end = start + len(needle)
            # Latin terms match from the start of a word ("ai", not the "ai" in "said").
            if not (LATIN.match(needle) and start and LATIN.match(folded[start - 1])):
                found.append((start, end))
            start = folded.find(needle, end)
    merged = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text, needles, ranges=None):
    """Escaped text with each match in <mark>."""
    ranges = spans(text, needles) if ranges is None else ranges
    out, position = [], 0
    for start, end in ranges:
        out.append(escape(text[position:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))  # every piece above is escaped


def snippet(text, needles, size=SNIPPET_CHARS):
    """(html, matched): about `size` characters around the first match (or the start)."""
    text = search_text.clean(text)[:SOURCE_CHARS]
    ranges = spans(text, needles)
    start = max(0, ranges[0][0] - LEAD_CHARS) if ranges else 0
    end = min(len(text), start + size)
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in ranges if s < end]
    body = highlight(text[start:end], needles, [r for r in inside if r[0] < r[1]])
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(f"{prefix}{body}{suffix}"), bool(ranges)  # body is escaped
