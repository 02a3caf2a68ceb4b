"""`{% engagement_for article as eng %}`: what the 阅读 / 支持 / 举报 block shows.

Everything here is the same for every reader (the page is cached and may sit on a CDN):
counts, URLs and an hourly page token for the read beacon. No per-visitor state.
"""

import logging

from django import template
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.urls import reverse

from articles.counters import CounterUnavailable, counting_enabled, get_counter
from articles.counters.tokens import page_token

logger = logging.getLogger(__name__)
register = template.Library()


def display_count(number):
    """The count as readers see it: 1.2万 via the reader site's `wan` filter when present."""
    try:
        from articles.templatetags.news import wan
    except ImportError:
        return str(number)
    return wan(number)


def read_count(article):
    """Flushed reads plus those still pending in the counter."""
    if not counting_enabled():
        return article.view_count
    try:
        pending = get_counter().pending([article.pk]).get(article.pk, 0)
    except CounterUnavailable as exc:
        logger.warning("read counter unavailable, showing flushed count: %s", exc)
        pending = 0
    return article.view_count + pending


@register.simple_tag
def engagement_for(article):
    context = {
        "reads": display_count(read_count(article)),
        "likes": display_count(article.like_count),
        "like_url": reverse("articles:like", args=[article.pk]),
        "report_url": reverse("articles:report", args=[article.pk]),
        "beacon_url": "",
        "pixel_url": "",
    }
    # Previews of drafts are not reads.
    if counting_enabled() and article.is_published():
        beacon = f"{reverse('articles:beacon', args=[article.pk])}?t={page_token(article.pk)}"
        context["beacon_url"] = beacon
        context["pixel_url"] = f"{beacon}&nojs=1"
    return context


@register.simple_tag(takes_context=True)
def flash_messages(context):
    """One-off messages (感谢支持, 举报已收到), read only when the reader has the cookie.

    Reading messages otherwise falls back to the session, which would mark the shared page
    as per-visitor; a request that has the cookie is never served from the page cache.
    """
    request = context.get("request")
    if request is None or CookieStorage.cookie_name not in request.COOKIES:
        return []
    return list(get_messages(request))
