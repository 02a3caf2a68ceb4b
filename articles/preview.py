"""Signed, expiring preview links: a draft as readers will see it, before it is published.

The link itself is the credential (editors send it to colleagues who are not logged in),
so it is signed with the secret key, expires after `settings.PREVIEW_MAX_AGE` seconds,
and every response is uncacheable and kept out of search engines.
"""

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from articles.models import Article
from articles.views.detail import article_context, page_queryset

SALT = "articles.preview"
# The reader's article page, rendered with the reader's own context builder.
TEMPLATE = "articles/article_detail.html"


def preview_token(article):
    return signing.dumps(article.pk, salt=SALT)


def preview_url(article):
    return reverse("articles:preview", kwargs={"token": preview_token(article)})


def article_for_token(token):
    """The article a token names; SignatureExpired / BadSignature when it is not valid."""
    pk = signing.loads(token, salt=SALT, max_age=settings.PREVIEW_MAX_AGE)
    if not isinstance(pk, int):
        raise signing.BadSignature("not an article id")
    return page_queryset().get(pk=pk)


def _noindex(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
def article_preview(request, token):
    try:
        article = article_for_token(token)
    except signing.SignatureExpired:
        return _noindex(
            HttpResponse(
                _("预览链接已过期，请回到后台重新打开预览。"),
                status=410,
                content_type="text/plain; charset=utf-8",
            )
        )
    except (signing.BadSignature, Article.DoesNotExist) as error:
        raise Http404(_("预览链接无效。")) from error
    context = {**article_context(request, article), "preview": True}
    return _noindex(render(request, TEMPLATE, context))
