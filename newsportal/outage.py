"""Database outages answered with a styled 503 and Retry-After instead of a 500.

Django turns any exception raised in a view or middleware into a call to `handler500`;
this handler looks at the exception and, when the database is unreachable
(OperationalError, InterfaceError), renders templates/503.html, which needs neither the
database nor the cache. Connection health checks (CONN_HEALTH_CHECKS) then reconnect on
the first request after the database is back.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import ngettext
from django.views import defaults

OUTAGE_ERRORS = (OperationalError, InterfaceError)


def is_database_outage(exc):
    """Whether the exception, or one it was raised from, says the database is unreachable."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OUTAGE_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _nonce(request):
    try:
        return str(request.csp_nonce)
    except Exception:
        return ""


def outage_response(request=None):
    retry_after = settings.OUTAGE_RETRY_AFTER
    html = loader.render_to_string(
        "503.html",
        {
            "retry_text": ngettext(
                "请在 %(seconds)s 秒后重试。", "请在 %(seconds)s 秒后重试。", retry_after
            )
            % {"seconds": retry_after},
            "csp_nonce": _nonce(request),
        },
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after)
    # Neither the proxy nor the browser may keep the outage page once the site is back.
    response["Cache-Control"] = "no-store"
    return response


def server_error(request, template_name="500.html"):
    if is_database_outage(sys.exc_info()[1]):
        return outage_response(request)
    return defaults.server_error(request, template_name)
