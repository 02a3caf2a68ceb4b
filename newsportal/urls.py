"""Root URL configuration: the admin under a configurable path, then the reader site.

The reader site answers in Chinese at the root and in English under /en/; a URL names
its language, so a cached page never depends on a request header.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from newsportal import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(settings.ADMIN_URL, admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", include("articles.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    from articles.photos.media import serve_media

    # nosniff and an allowlisted content type, like production's nginx (deploy/).
    urlpatterns += static(settings.MEDIA_URL, view=serve_media, document_root=settings.MEDIA_ROOT)

# A database outage becomes a styled 503 with Retry-After; other errors render 500.html.
handler500 = "newsportal.outage.server_error"
