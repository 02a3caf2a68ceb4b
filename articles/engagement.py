"""What the article page's 阅读 / 支持 / 举报 block shows (`engagement_for(article)`).

Everything here is the same for every reader (the page is cached and may sit on a CDN):
counts, URLs and an hourly page token for the read beacon. No per-visitor state.
"""

import logging

import jinja2
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage

from articles import text
from articles.counters import CounterUnavailable, counting_enabled, get_counter
from articles.counters.tokens import page_token
from articles.links import reverse

logger = logging.getLogger(__name__)


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


def engagement_for(article):
    """Counts and links for includes/engagement.html; the beacon only for published pages."""
    context = {
        "reads": text.short_count(read_count(article)),
        "likes": text.short_count(article.like_count),
        "like_url": reverse("articles:like", {"pk": article.pk}),
        "report_url": reverse("articles:report", {"pk": article.pk}),
        "beacon_url": "",
        "pixel_url": "",
    }
    # Previews of drafts are not reads.
    if counting_enabled() and article.is_published():
        beacon = f"{reverse('articles:beacon', {'pk': article.pk})}?t={page_token(article.pk)}"
        context["beacon_url"] = beacon
        context["pixel_url"] = f"{beacon}&nojs=1"
    return context


@jinja2.pass_context
def flash_messages(context):
    """One-off messages (感谢支持, 举报已收到), read only when the reader has the cookie.

    Reading messages otherwise falls back to the session, which would mark the shared page
    as per-visitor; a request that has the cookie is never served from the page cache.
    """
    request = context.get("request")
    if request is None or CookieStorage.cookie_name not in request.COOKIES:
        return []
    return list(get_messages(request))
