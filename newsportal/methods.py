"""Only the HTTP methods the site uses: GET and HEAD to read, POST for forms and beacons.

Anything else (PUT, DELETE, TRACE, OPTIONS, made-up verbs) is answered with 405 before
any view runs, so no view has to remember to refuse it.
"""

from django.http import HttpResponseNotAllowed

ALLOWED_METHODS = ("GET", "HEAD", "POST")


class AllowedMethodsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ALLOWED_METHODS:
            return HttpResponseNotAllowed(ALLOWED_METHODS)
        return self.get_response(request)
