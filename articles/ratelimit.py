"""Fixed-window rate limits kept in the cache, answered with 429 and Retry-After.

Clients are told apart by a salted hash of their address, so no raw IP is stored.
"""

import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext as _


def client_ip(request):
    """The client address; X-Forwarded-For is trusted only when a proxy is configured."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def client_key(request):
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{client_ip(request)}".encode()).hexdigest()
    return digest[:32]


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
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    return count <= limit, window_start + window - now


def too_many_requests(retry_after):
    response = HttpResponse(
        _("请求过于频繁，请稍后再试。"), status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(max(1, retry_after))
    return response


def rate_limited(scope, limit, window=60, key=client_key):
    """View decorator: at most `limit` requests per `window` seconds per client."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            allowed, retry_after = hit(scope, key(request), limit, window)
            if not allowed:
                return too_many_requests(retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
