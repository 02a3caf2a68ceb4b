"""Decides per request whether reads may go to a replica, and pins writers to the primary.

A request may read from a replica when it is a GET or HEAD from a visitor without a
session (editors always have one) and without the `np_primary` cookie. Any request that
writes (any POST, or a GET that wrote through the ORM) gets that cookie for
DATABASE_REPLICA_PIN_SECONDS, so the pages the writer opens next come from the primary
until the replicas have caught up. If a replica fails in the middle of a public request,
the view is run once more against the primary.
"""

from django.conf import settings
from django.db import DatabaseError

from newsportal import db_router

PIN_COOKIE = "np_primary"
SAFE_METHODS = ("GET", "HEAD")


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not db_router.replica_aliases():
            return self.get_response(request)
        token = db_router.begin_request(self.may_use_replica(request))
        try:
            response = self.get_response(request)
            if request.method not in SAFE_METHODS or db_router.current().wrote:
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=int(getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", 10)),
                    secure=request.is_secure(),
                    httponly=True,
                    samesite="Lax",
                )
        finally:
            db_router.end_request(token)
        return response

    @staticmethod
    def may_use_replica(request):
        cookies = request.COOKIES
        return (
            request.method in SAFE_METHODS
            and settings.SESSION_COOKIE_NAME not in cookies
            and PIN_COOKIE not in cookies
        )

    def process_exception(self, request, exception):
        """A replica that died since its last health check: retry the view on the primary."""
        routing = db_router.current()
        match = getattr(request, "resolver_match", None)
        if (
            routing is None
            or match is None
            or not routing.used
            or not isinstance(exception, DatabaseError)
            or request.method not in SAFE_METHODS
        ):
            return None
        for alias in routing.used:
            db_router.health.mark_down(alias)
            db_router.close_quietly(alias)
        routing.used.clear()
        routing.replica = None
        db_router.read_from_primary()
        response = match.func(request, *match.args, **match.kwargs)
        if callable(getattr(response, "render", None)):
            response = response.render()
        return response
