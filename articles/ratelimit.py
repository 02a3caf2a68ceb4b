"""Fixed-window rate limits kept in the cache, answered with 429 and Retry-After.

Clients are told apart by a salted hash of their address, so no raw IP is stored.
Limits written in code are defaults: `settings.RATE_LIMITS` ("scope": (limit, window),
filled from RATE_LIMIT_<SCOPE>=limit/seconds) overrides them without a deploy, and
RATE_LIMITS_ENABLED=0 switches them off (load tests from one address).
"""

import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext as _


def client_ip(request):
    """The client address.

    Behind TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For, the address
    the outermost one saw is that many entries from the right; entries further left
    were written by the client and are ignored (they are trivially forged).
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def client_key(request):
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{client_ip(request)}".encode()).hexdigest()
    return digest[:32]


def limits_for(scope, limit, window):
    """(limit, window) for a scope: the settings win over the defaults given in code."""
    return getattr(settings, "RATE_LIMITS", {}).get(scope) or (limit, window)


def hit(scope, key, limit, window):
    """Count one hit; returns (allowed, seconds until the window resets)."""
    now = int(time.time())
    window_start = now - now % window
    cache_key = f"rl:{scope}:{key}:{window_start}"
    # add() then incr() is atomic on Redis and good enough on the local-memory cache.
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # Key gone (evicted, or the cache is down): count afresh rather than refuse.
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    return count <= limit, window_start + window - now


def too_many_requests(retry_after, message=None):
    """The one 429 every limit answers with: plain text, Retry-After, never stored."""
    response = HttpResponse(
        str(message or _("请求过于频繁，请稍后再试。")),
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(max(1, int(retry_after)))
    response["Cache-Control"] = "no-store"
    return response


def check(request, scope, limit=None, window=60, key=client_key):
    """None when the request may go ahead, else the 429 response to send."""
    if not getattr(settings, "RATE_LIMITS_ENABLED", True):
        return None
    limit, window = limits_for(scope, limit, window)
    if limit is None:
        raise LookupError(f"No rate limit configured for {scope!r}.")
    allowed, retry_after = hit(scope, key(request), limit, window)
    return None if allowed else too_many_requests(retry_after)


def rate_limited(scope, limit=None, window=60, key=client_key):
    """View decorator: at most `limit` requests per `window` seconds per client."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            refused = check(request, scope, limit, window, key)
            if refused is not None:
                return refused
            response = view(request, *args, **kwargs)
            # Every request must pass the limit, so PageCacheMiddleware (which answers hits
            # before any view runs) must never learn to serve this view's pages.
            request._page_cache_stored = None
            return response

        return wrapped

    return decorator
