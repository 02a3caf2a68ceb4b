"""Chinese text as Chinese pages print it: excerpts, reading time, 万 counts and dates.

Chinese has no spaces between words, so word-based tools (`truncatewords`) cannot cut
it; everything here counts characters and cuts at sentence ends (。！？).
"""

import html
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import get_language
from django.utils.translation import gettext as _

CHINA = ZoneInfo("Asia/Shanghai")
SENTENCE_ENDS = "。！？!?"
# Closing quotes and brackets that belong to the sentence they end: 他说：“好。”
CLOSERS = "”’」』）)"
CHARACTERS_PER_MINUTE = 450
PARTIAL_TAG = re.compile(r"<[^>]*$")
SPACES = re.compile(r"\s+")


def plain_text(markup):
    """Visible text of an HTML fragment (possibly cut mid-tag), with spaces collapsed."""
    markup = PARTIAL_TAG.sub("", markup or "")
    return SPACES.sub(" ", html.unescape(strip_tags(markup))).strip()


def excerpt(text, length=120):
    """At most `length` characters, cut after the last full sentence that fits.

    Falls back to a hard cut with "…" when the first sentence alone is too long.
    """
    text = SPACES.sub(" ", text or "").strip()
    if len(text) <= length:
        return text
    window = text[:length]
    end = max(window.rfind(mark) for mark in SENTENCE_ENDS)
    if end >= 0:
        while end + 1 < len(window) and window[end + 1] in CLOSERS:
            end += 1
        return window[: end + 1]
    return window[: length - 1].rstrip() + "…"


def reading_minutes(text):
    """Minutes a reader needs, from the number of non-space characters (at least one)."""
    characters = len(SPACES.sub("", text or ""))
    return max(1, math.ceil(characters / CHARACTERS_PER_MINUTE))


def _one_decimal(value):
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _plain(number):
    return f"{number:f}".removesuffix(".0")


def short_count(number):
    """729.9万 for 7,298,663; 1.2亿 past a hundred million; plain digits below 10,000."""
    number = int(number or 0)
    if number < 10_000:
        return str(number)
    if not (get_language() or "zh").startswith("zh"):
        return f"{number:,}"  # 万 is a Chinese unit; English pages group digits: 7,298,663
    wan = _one_decimal(Decimal(number) / 10_000)
    if wan < 10_000:  # 99,999,999 rounds to 10000.0万, which reads as 1亿
        return _("%(n)s万") % {"n": _plain(wan)}
    return _("%(n)s亿") % {"n": _plain(_one_decimal(Decimal(number) / 100_000_000))}


def china_time(value):
    """A datetime in Beijing time, whatever the server's time zone."""
    return timezone.localtime(value, CHINA)


def chinese_datetime(value):
    """2026年01月16日 18:39, in Beijing time."""
    if value is None:
        return ""
    # Translators: a strftime format; English uses 2026-01-16 18:39.
    return china_time(value).strftime(_("%Y年%m月%d日 %H:%M"))


def iso_datetime(value):
    """ISO 8601 in Beijing time, to the second: 2026-01-16T18:39:00+08:00."""
    if value is None:
        return ""
    return china_time(value).replace(microsecond=0).isoformat()


def month_day(value):
    """1月16日: how a dateline names the day (no leading zeros)."""
    return _("%(month)d月%(day)d日") % {"month": value.month, "day": value.day}
