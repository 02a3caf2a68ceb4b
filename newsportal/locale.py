"""Which language a request is answered in.

Reader pages name their language in the URL (Chinese at the root, English under /en/), so
a cached page never depends on a header. Django's LocaleMiddleware therefore pins every
unprefixed path to LANGUAGE_CODE; the admin has no prefix, yet its users choose their
language, so there the language cookie or Accept-Language decides.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class SiteLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith(f"/{settings.ADMIN_URL}"):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
        else:
            super().process_request(request)
