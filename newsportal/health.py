"""Probes for the load balancer and the orchestrator.

`/healthz` says the process answers (no database, no cache: a restart would not help
if they are down). `/readyz` says this instance can serve readers: the database answers
a query and the cache stores and returns a value. Both answer JSON and are never cached.
"""

import time
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _timed(check):
    started = time.perf_counter()
    try:
        ok, detail = check()
    except Exception as exc:
        ok, detail = False, type(exc).__name__
    result = {"ok": ok, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result["error"] = detail
    return result


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return False, type(exc).__name__
    return True, ""


def _check_cache():
    # The resilient Redis backend turns errors into misses, so round-trip a value; its
    # ping first asks Redis itself, so a worker still backing off reports Redis's state.
    ping = getattr(cache, "ping", None)
    if ping is not None and not ping():
        return False, "cache server did not answer"
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return ok, "" if ok else "cache did not return the value it was given"


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    checks = {"database": _timed(_check_database), "cache": _timed(_check_cache)}
    ready = all(check["ok"] for check in checks.values())
    response = JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks})
    if not ready:
        response.status_code = 503
        response["Retry-After"] = "5"
    return response
