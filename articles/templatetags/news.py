"""The reader site's template library: Chinese text filters, JSON-LD and the sidebars.

    {% load news %}
    {{ article.publish_at|cn_datetime }}    2026年01月16日 18:39 (Beijing time)
    {{ article.publish_at|iso_datetime }}   2026-01-16T18:39:00+08:00
    {{ article.view_count|wan }}            729.9万
    {{ article|card_excerpt }}              summary, or the body cut at a sentence end
    {% hot_reads_sidebar %} {% recommended_sidebar %}

The sidebars skip the articles whose ids are in the context's `shown_ids` set and add
their own, so an article appears at most once on a page (the main column renders first).
"""

import json

from django import template
from django.utils.safestring import mark_safe

from articles import hot, text

register = template.Library()

SIDEBAR_LENGTH = 8
# What json.dumps leaves as is but would end or confuse a <script> data block.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def wan(number):
    return text.short_count(number)


@register.filter
def cn_datetime(value):
    return text.chinese_datetime(value)


@register.filter
def iso_datetime(value):
    """2026-01-16T18:39:00+08:00 for datetime attributes: HTML allows at most three
    decimals of a second, so the microseconds go."""
    return text.iso_datetime(value)


@register.filter
def excerpt(value, length=120):
    return text.excerpt(text.plain_text(value), int(length))


@register.filter
def card_excerpt(article, length=80):
    """A card's text: the summary, else the start of the body (see `card_queryset`)."""
    source = article.summary or text.plain_text(getattr(article, "body_start", ""))
    return text.excerpt(source, int(length))


@register.filter
def json_ld(data):
    """A dict as the body of <script type="application/ld+json">, safe inside HTML."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))


def _unseen(context, candidates, limit):
    shown = context.get("shown_ids")
    if shown is None:
        return list(candidates[:limit])
    picked = [article for article in candidates if article.pk not in shown][:limit]
    shown.update(article.pk for article in picked)
    return picked


def _hot_lists(context):
    # Both sidebars come from one read of the stored lists; keep it for the request.
    request = context.get("request")
    found = getattr(request, "_hot_lists", None)
    if found is None:
        found = hot.lists()
        if request is not None:
            request._hot_lists = found
    return found


@register.inclusion_tag("articles/includes/sidebar_hot.html", takes_context=True)
def hot_reads_sidebar(context, limit=SIDEBAR_LENGTH):
    """热门导读: the most-read articles of the last day (see articles.hot)."""
    return {"articles": _unseen(context, _hot_lists(context)[hot.HotPick.Kind.READS], limit)}


@register.inclusion_tag("articles/includes/sidebar_recommended.html", takes_context=True)
def recommended_sidebar(context, limit=SIDEBAR_LENGTH):
    """热点推荐: editors' picks, then the most liked of the last three days."""
    picks = _hot_lists(context)[hot.HotPick.Kind.RECOMMENDED]
    return {"articles": _unseen(context, picks, limit)}
