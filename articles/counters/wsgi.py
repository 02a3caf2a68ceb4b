"""The read beacon served before Django's request cycle: a WSGI middleware.

A popular story sends thousands of beacons a second, and for each of them Django's full
middleware stack (sessions, CSRF, auth, CSP, request ids …) is pure overhead: the beacon
sets no cookie, renders nothing and needs none of it. This wrapper answers
`/e/read/<id>/` itself with exactly the logic of the Django view
(articles/counters/beacon.py) and passes every other request to Django:

    application = BeaconFastPath(get_wsgi_application())   # newsportal/wsgi.py does this
"""

import logging
import re
from urllib.parse import parse_qsl

from django.http.cookie import parse_cookie
from django.urls import reverse

logger = logging.getLogger(__name__)

STATUS_LINES = {
    200: "200 OK",
    204: "204 No Content",
    403: "403 Forbidden",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}
COMMON_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]


class EnvironRequest:
    """The parts of a request that visitors.py and ratelimit.py read, straight from WSGI."""

    def __init__(self, environ):
        self.META = environ
        self._cookies = None

    @property
    def COOKIES(self):  # the HttpRequest attribute name
        if self._cookies is None:
            self._cookies = parse_cookie(self.META.get("HTTP_COOKIE", ""))
        return self._cookies


class BeaconFastPath:
    def __init__(self, app):
        self.app = app
        self.pattern = None

    def _match(self, path):
        if self.pattern is None:
            # From the URLconf, so a moved beacon URL moves the fast path with it.
            prefix = reverse("articles:beacon", args=[0])[: -len("0/")]
            self.pattern = re.compile(re.escape(prefix) + r"([0-9]{1,18})/\Z")
        return self.pattern.match(path)

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if method in ("POST", "GET"):
            match = self._match(environ.get("PATH_INFO", ""))
            if match:
                return self.beacon(environ, start_response, int(match[1]), method)
        return self.app(environ, start_response)

    def beacon(self, environ, start_response, article_id, method):
        from articles.counters.beacon import PIXEL, count_beacon

        token = dict(parse_qsl(environ.get("QUERY_STRING", ""))).get("t", "")
        try:
            outcome = count_beacon(EnvironRequest(environ), article_id, token)
        except Exception:
            logger.exception("read beacon failed")
            start_response(STATUS_LINES[500], [*COMMON_HEADERS, ("Content-Length", "0")])
            return [b""]
        headers = list(COMMON_HEADERS)
        body = b""
        if outcome.retry_after:
            headers.append(("Retry-After", str(outcome.retry_after)))
        status = outcome.status
        if status == 204 and method == "GET":
            status, body = 200, PIXEL
            headers.append(("Content-Type", "image/gif"))
        headers.append(("Content-Length", str(len(body))))
        start_response(STATUS_LINES[status], headers)
        return [body]
