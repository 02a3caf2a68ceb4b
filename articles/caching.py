"""Page and fragment caching that a newsroom can trust.

Cache versioning: one number (`content_version()`) that every public page and sidebar key
includes. Bumping it makes every cached page stale at once without flushing the cache, so a
publish, edit, unpublish, retraction or recommendation shows everywhere within seconds.
Keys also carry the current minute, so a scheduled article appears within a minute of its
time with nothing running.

`cache_public_page` is the full-page cache for anonymous readers: staff (any session
cookie), previews, readers carrying a one-off message, and responses that set a cookie or
hold a per-visitor CSRF token are never stored or served from it. Stored pages go out with
an ETag and Last-Modified (conditional requests get 304) and
`Cache-Control: public, max-age=0, s-maxage=<seconds left in this minute>`, so a CDN copy
never outlives the minute either.
"""

import functools
import hashlib
import threading
import time

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

VERSION_KEY = "content-version"
# newsportal.replica_middleware.PIN_COOKIE: a page cached from a lagging replica must not
# hide a writer's own change from them.
PIN_COOKIE = "np_primary"
BUCKET_SECONDS = 60
# Response headers kept with a cached page (the rest are set again on every response).
STORED_HEADERS = ("Content-Type", "Content-Language", "Link", "X-Robots-Tag")


# Each process remembers the version this long: a page hit then costs one cache round trip
# instead of two, and another process's bump still shows within a second.
VERSION_MEMO_SECONDS = 1.0
_memo = (0, 0.0)  # (version, monotonic time it expires)


def _remember(version):
    global _memo
    _memo = (version, time.monotonic() + VERSION_MEMO_SECONDS)
    return version


def forget_version():
    """Drop this process's remembered version and pages (after the cache was cleared)."""
    global _memo
    _memo = (0, 0.0)
    local_pages.clear()


class LocalPages:
    """Completed page entries this process served lately, by their cache key.

    A hot story's hit then costs no round trip to the shared cache (half a hit's time
    under load, and Redis traffic a popular page would otherwise cause per read). The
    key names the content version and the minute, so a page kept here is exactly as
    fresh as the shared copy; the oldest entries make room for new ones. Only what the
    shared cache returned is kept: with caching switched off (DummyCache) nothing is.
    """

    def __init__(self, budget_bytes):
        self.budget = budget_bytes
        self.entries = {}
        self.used = 0
        self.lock = threading.Lock()

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, entry):
        size = len(entry[1])
        if size > self.budget // 8:
            return  # one huge page must not push out everything else
        with self.lock:
            old = self.entries.pop(key, None)
            self.used += size - (len(old[1]) if old else 0)
            self.entries[key] = entry
            while self.used > self.budget:
                self.used -= len(self.entries.pop(next(iter(self.entries)))[1])

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.used = 0


# Page bodies kept per process (a worker's resident memory grows by at most this).
local_pages = LocalPages(budget_bytes=16 * 1024 * 1024)


def _fresh_start():
    # A lost version key (eviction, a cleared cache) restarts above any earlier number.
    return int(time.time() * 1000)


def content_version():
    version, expires = _memo
    if version and time.monotonic() < expires:
        return version
    version = cache.get(VERSION_KEY)
    if version is None:
        # add() so that concurrent first readers agree on one starting value.
        cache.add(VERSION_KEY, _fresh_start(), timeout=None)
        version = cache.get(VERSION_KEY) or _fresh_start()
    return _remember(version)


def bump_content_version():
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:
        version = max(_fresh_start(), _memo[0] + 1)
        cache.set(VERSION_KEY, version, timeout=None)
    # The stored hot picks are ranked again on the next page (a new pick shows at once).
    from articles.hot import mark_stale

    mark_stale()
    return _remember(version)


def current_bucket(now=None):
    """The minute a key belongs to; keys change at every minute boundary."""
    return int((now if now is not None else time.time()) // BUCKET_SECONDS)


def seconds_left_in_bucket(now=None):
    now = now if now is not None else time.time()
    return max(1, int(BUCKET_SECONDS - now % BUCKET_SECONDS))


def versioned_key(name, now=None):
    """A fragment key that goes stale on any content change and at the next minute."""
    return f"{name}:v{content_version()}:m{current_bucket(now)}"


def page_cache_key(request, now=None, language=None):
    target = f"{request.get_host()}{request.get_full_path()}"
    digest = hashlib.md5(target.encode(), usedforsecurity=False).hexdigest()
    language = language or get_language()
    return f"page:v{content_version()}:m{current_bucket(now)}:{language}:{digest}"


def has_private_cookie(cookies):
    """Staff (a session), a reader with a pending message, or someone who just wrote (the
    read replicas' `np_primary` cookie): a request for a page made for them alone."""
    return any(
        name in cookies
        for name in (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name, PIN_COOKIE)
    )


def bypasses_cache(request):
    """Previews and the readers `has_private_cookie` names get a freshly rendered page."""
    if request.method not in ("GET", "HEAD"):
        return True
    return has_private_cookie(request.COOKIES) or "preview" in request.GET


def is_storable(request, response):
    """Only plain, successful, shared responses: nothing per visitor may be cached."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # the page holds this visitor's CSRF token
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        return False
    control = response.get("Cache-Control", "")
    return not any(word in control for word in ("private", "no-cache", "no-store"))


def _shared_headers(response, last_modified, now):
    patch_cache_control(response, public=True, max_age=0, s_maxage=seconds_left_in_bucket(now))
    response["Last-Modified"] = http_date(last_modified)
    patch_vary_headers(response, ("Accept-Language",))
    return response


def _from_entry(request, entry, now):
    status, content, headers, etag, last_modified = entry[:5]
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        response = not_modified
    else:
        response = HttpResponse(content, status=status)
        for name, value in headers.items():
            response[name] = value
    response["ETag"] = etag
    response["X-Page-Cache"] = "hit"
    return _shared_headers(response, last_modified, now)


def cache_public_page(view):
    """View decorator: serve anonymous readers from a versioned, per-minute page cache."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if bypasses_cache(request):
            response = view(request, *args, **kwargs)
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)
            return response
        now = time.time()
        key = page_cache_key(request, now)
        entry = cache.get(key)
        if entry is not None:
            return _from_entry(request, entry, now)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if not is_storable(request, response):
            return response
        etag = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
        headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
        entry = (response.status_code, response.content, headers, etag, int(now))
        timeout = seconds_left_in_bucket(now) + 1
        cache.set(key, entry, timeout)
        # PageCacheMiddleware completes the entry with the rest of the stack's headers.
        request._page_cache_stored = (key, entry, timeout)
        response["ETag"] = etag
        response["X-Page-Cache"] = "miss"
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(now))
        return _shared_headers(not_modified or response, int(now), now)

    return wrapped


class PageCacheMiddleware:
    """Serves stored public pages before the rest of the middleware stack runs.

    A hit through `cache_public_page` alone still pays for sessions, locale, CSRF, auth,
    OTP, messages, history, axes and the CSP header on every request: more than the page
    itself. Placed right after SecurityMiddleware, this answers a hit at once, with the
    headers the inner middleware gave the page when it was stored: the decorator stores
    the entry, and this middleware, on the way out, adds what the stack added (CSP,
    Permissions-Policy, X-Frame-Options, Content-Language, Vary). Entries it has not
    completed (no middleware, or a response that set a cookie) go on through the stack
    and are served by the decorator as before. The rules are the decorator's own:
    `bypasses_cache`, and the same key (the language comes from the URL prefix).
    Completed entries are looked up in this process's `local_pages` first.
    """

    # Set again on every response: never part of a stored page.
    PER_RESPONSE = frozenset(
        ("etag", "last-modified", "cache-control", "x-page-cache", "content-length")
    )

    def __init__(self, get_response):
        self.get_response = get_response
        self.skipped = tuple(
            prefix
            for prefix in (settings.STATIC_URL, settings.MEDIA_URL, f"/{settings.ADMIN_URL}")
            if prefix and prefix.startswith("/")
        )

    def __call__(self, request):
        if bypasses_cache(request) or request.path_info.startswith(self.skipped):
            return self.get_response(request)
        now = time.time()
        key = page_cache_key(request, now, _language_from_path(request.path_info))
        entry = local_pages.get(key)
        if entry is None:
            entry = cache.get(key)
            if entry is not None and len(entry) == 6:
                local_pages.put(key, entry)
        if entry is not None and len(entry) == 6:
            response = _from_entry(request, entry, now)
            added = entry[5]
            if response.status_code == 304:
                # What the stack adds to a 304 too; the page's own headers stay off it.
                added = {k: v for k, v in added.items() if k not in entry[2]}
            for name, value in added.items():
                if name == "Vary":
                    patch_vary_headers(response, [v.strip() for v in value.split(",")])
                else:
                    response[name] = value
            if response.status_code == 200:
                response["Content-Length"] = str(len(response.content))
            return response
        response = self.get_response(request)
        stored = getattr(request, "_page_cache_stored", None)
        if stored is not None and stored[0] == key and not response.cookies:
            key, entry, timeout = stored
            headers = {
                name: value
                for name, value in response.items()
                if name.lower() not in self.PER_RESPONSE
            }
            cache.set(key, (*entry, headers), timeout)
        return response


def _language_from_path(path):
    # What SiteLocaleMiddleware will decide for a reader page: the URL prefix, else the
    # default language (reader pages never follow Accept-Language).
    from django.utils.translation import get_language_from_path

    return get_language_from_path(path) or settings.LANGUAGE_CODE
