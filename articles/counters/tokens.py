"""The page token that a read beacon must carry.

It is an HMAC of the article id and the hour the page was rendered, so it is the same for
every reader of a cached page (nothing per visitor in the HTML) and a CDN may keep the page.
A token is accepted for a few hours: long enough for a page cached a minute or a tab left
open, short enough that a harvested token soon stops working.
"""

import functools
import hashlib
import hmac
import time

from django.conf import settings

VALID_HOURS = 4


def _signature(article_id, hour):
    return _signed(settings.SECRET_KEY, str(article_id), hour)


# A hot story's beacons all carry the same token: remember its signature, not recompute it.
@functools.lru_cache(maxsize=1024)
def _signed(secret, article_id, hour):
    message = f"read-beacon\x1f{article_id}\x1f{hour}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:20]


def page_token(article_id, now=None):
    hour = int((now if now is not None else time.time()) // 3600)
    return f"{hour}.{_signature(article_id, hour)}"


def check_page_token(article_id, token, now=None):
    """Whether `token` was issued for this article within the last VALID_HOURS hours."""
    hour_text, _dot, signature = (token or "").partition(".")
    if not hour_text.isdigit() or len(hour_text) > 12:
        return False
    hour = int(hour_text)
    current = int((now if now is not None else time.time()) // 3600)
    if not 0 <= current - hour < VALID_HOURS:
        return False
    return hmac.compare_digest(signature, _signature(article_id, hour))
