"""Request ids: one id per request, echoed in X-Request-ID and stamped on every log line.

An id sent by the proxy in front (nginx `$request_id`) is kept so both logs line up;
anything that does not look like an id is replaced, so a client cannot inject log text.
"""

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_current = contextvars.ContextVar("request_id", default="-")


def current_request_id():
    return _current.get()


def incoming_or_new(incoming):
    """The proxy's id when it looks like one, else a new one."""
    return incoming if _VALID.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_or_new(request.META.get("HTTP_X_REQUEST_ID", ""))
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            # Django logs 4xx responses after the middleware has returned, but passes
            # the request along, so its id is still at hand.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or _current.get()
        return True
