"""Stored public pages answered before Django's request cycle: a WSGI middleware.

`PageCacheMiddleware` answers a page-cache hit right after SecurityMiddleware, yet the hit
still pays for Django's request cycle: a WSGIRequest, the request_started/finished
signals (connection and cache clean-up), the outer middleware and an HttpResponse built
header by header, ~135 µs of the ~320 µs a hit costs a gunicorn worker. This wrapper
keeps, per process, the status, headers and body Django sent for a hit, and answers the
next GET of the same URL within the same content version and minute itself. It replays
what the whole stack produced and changes only what differs per response: X-Request-ID
and the seconds left in Cache-Control's s-maxage.

Everything else goes to Django: other methods, conditional requests (304s are Django's),
staff, readers with a message and writers (`caching.has_private_cookie`), and a URL this
process has not yet seen served as a hit (previews never are: the page cache skips them).
The entries live in `caching.local_pages`, under keys holding the content version and the
minute, so they are exactly as fresh as the shared page cache:

    application = StoredPagesFastPath(get_wsgi_application())   # newsportal/wsgi.py
"""

import re
import time

from django.http.cookie import parse_cookie

from articles import caching
from newsportal.request_id import HEADER as REQUEST_ID_HEADER
from newsportal.request_id import incoming_or_new

# Everything in a request that can change Django's answer for the same path and query:
# the host (and what a proxy says about it) decides the site, the scheme a redirect.
_KEYED = (
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_HOST",
    "HTTP_X_FORWARDED_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
)
_S_MAXAGE = re.compile(r"s-maxage=\d+")


class StoredPagesFastPath:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if not self._shared(environ):
            return self.app(environ, start_response)
        now = time.time()
        key = self._key(environ, now)
        found = caching.local_pages.get(key)
        if found is None:
            return self._through_django(key, environ, start_response)
        status, body, headers = found
        seconds = f"s-maxage={caching.seconds_left_in_bucket(now)}"
        request_id = incoming_or_new(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(
            status,
            [
                (name, _S_MAXAGE.sub(seconds, value))
                if name == "Cache-Control"
                else (name, request_id if name == REQUEST_ID_HEADER else value)
                for name, value in headers
            ],
        )
        return [body]

    def _shared(self, environ):
        """Whether this request may get the page every reader of its URL gets."""
        if environ.get("REQUEST_METHOD") != "GET":
            return False  # a HEAD's empty body must never reach a GET
        if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
            return False
        cookie = environ.get("HTTP_COOKIE")
        return not (cookie and caching.has_private_cookie(parse_cookie(cookie)))

    def _key(self, environ, now):
        request = "\n".join(str(environ.get(name, "")) for name in _KEYED)
        return f"wsgi:{caching.versioned_key('page', now)}:{request}"

    def _through_django(self, key, environ, start_response):
        seen = []

        def remember_status(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.app(environ, remember_status)
        if not seen or not _replayable(*seen):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        caching.local_pages.put(key, (seen[0], body, list(seen[1])))
        return [body]


# Reader pages take their language from the URL (SiteLocaleMiddleware), whatever this says.
_KEYED_VARY = {"accept-language"}


def _replayable(status, headers):
    """A whole page the page cache served, the same for every reader of the URL: nothing
    set for this visitor, and nothing chosen by a request header the key leaves out."""
    names = {name.lower(): value for name, value in headers}
    varies = {word.strip().lower() for word in names.get("vary", "").split(",") if word.strip()}
    return (
        status.startswith("200 ")
        and names.get("x-page-cache") == "hit"
        and "set-cookie" not in names
        and "content-encoding" not in names
        and varies <= _KEYED_VARY
        and "content-length" in names
    )
