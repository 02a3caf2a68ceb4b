"""Reader signals: the read beacon, 支持 (likes) and the 举报 (report) form.

None of these responses is cached. The article page they belong to is cached and shared,
so the beacon carries the page's hourly token instead of anything per visitor, and the
like form, which has no per-visitor CSRF token, is protected by an Origin check.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from articles import ratelimit, text
from articles.counters.beacon import PIXEL, count_beacon
from articles.likes import add_like
from articles.models import Article
from articles.reports import ReportForm, file_report
from articles.visitors import remember_visitor, visitor_key


def same_origin(request):
    """CSRF protection without a token: browsers say where a POST comes from.

    Sec-Fetch-Site when the browser sends it, otherwise Origin, otherwise Referer; a POST
    with none of them (no browser sends that) is refused.
    """
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return True
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin == f"{request.scheme}://{request.get_host()}" or (
        origin in settings.CSRF_TRUSTED_ORIGINS
    )


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def beacon(request, pk):
    """Count one read: POST from engagement.js, or GET for the <noscript> pixel.

    Production serves this URL from articles/counters/wsgi.py before Django's middleware;
    this view is the same logic for every other deployment (and for tests).
    """
    outcome = count_beacon(request, pk, request.GET.get("t", ""))
    if outcome.status == 403:
        return HttpResponseForbidden(_("页面令牌无效或已过期。"))
    if outcome.status == 429:
        return ratelimit.too_many_requests(outcome.retry_after)
    if outcome.status == 503:
        response = HttpResponse(status=503)
        response["Retry-After"] = str(outcome.retry_after)
        return response
    if request.method == "GET":
        return HttpResponse(PIXEL, content_type="image/gif")
    return HttpResponse(status=204)


@csrf_exempt  # the page holding the form is shared; same_origin() below is the CSRF check
@require_POST
def like(request, pk):
    """Add the visitor's 支持: JSON for fetch(), a redirect back for the plain form."""
    if not same_origin(request):
        return HttpResponseForbidden(_("请从本站页面提交。"))
    article = get_object_or_404(Article.objects.published().only("pk", "slug"), pk=pk)
    refused = ratelimit.check(request, "like", limit=30, window=60)
    if refused is not None:
        return refused
    created, count = add_like(article.pk, visitor_key(request))
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {"liked": True, "created": created, "count": count, "display": text.short_count(count)}
        )
    else:
        # The message cookie also makes the next page view skip the shared page cache,
        # so the reader sees the new count at once.
        messages.success(request, _("感谢支持！") if created else _("您已经支持过了。"))
        response = redirect(f"{article.get_absolute_url()}#engagement", permanent=False)
        response.status_code = 303
    return remember_visitor(request, response)


@never_cache
@require_http_methods(["GET", "POST"])
def report(request, pk):
    """The 举报 form; a filed report goes to the editors' moderation queue."""
    article = get_object_or_404(Article.objects.published().only("pk", "title", "slug"), pk=pk)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        refused = ratelimit.check(request, "report", 5, 3600, key=visitor_key)
        if refused is not None:
            return refused
        if form.is_valid():
            data = form.cleaned_data
            file_report(article, visitor_key(request), data["reason"], data["detail"])
            messages.success(request, _("举报已收到，编辑会尽快核实处理。"))
            response = redirect(article.get_absolute_url(), permanent=False)
            response.status_code = 303
            return remember_visitor(request, response)
    return render(request, "articles/report_form.html", {"article": article, "form": form})
