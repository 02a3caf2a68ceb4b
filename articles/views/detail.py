"""The article page, and `article_context()`, with which the staff preview renders it too."""

from datetime import timedelta

from django.db.models import OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from articles import structured
from articles.body import compose_body, dateline
from articles.models import Article, ArticlePhoto, Byline, SiteSettings, TaggedArticle
from articles.qr import qr_svg
from articles.selectors import card_queryset
from articles.text import excerpt, plain_text, reading_minutes

PAGE_RELATED = ("dateline_region", "province", "lead_photo__photographer", "editor")
PAGE_PREFETCHES = (
    Prefetch("bylines", queryset=Byline.objects.select_related("author")),
    "tags",
    Prefetch("inline_photos", queryset=ArticlePhoto.objects.select_related("photo__photographer")),
    "corrections",
)
RELATED_COUNT = 6
# An edit this long after publication shows an update time on the page.
UPDATE_SHOWN_AFTER = timedelta(minutes=5)


def page_queryset():
    """Articles with the page's single-valued relations joined, whatever their status."""
    return Article.objects.select_related(*PAGE_RELATED)


def article_detail(request, pk, slug=""):
    article = get_object_or_404(page_queryset().published(), pk=pk)
    if slug != article.slug:
        # Renamed titles and mistyped slugs keep working: one permanent hop to the real URL.
        return HttpResponsePermanentRedirect(article.get_absolute_url())
    return render(request, "articles/article_detail.html", article_context(request, article))


def related_articles(article, tags):
    """查看更多: the newest listed articles sharing a tag or the province, not this one.

    One walk down the publish-time index that stops at RELATED_COUNT matches, probing each
    row's tags through a scalar subquery. `pk IN (tagged ids)` and EXISTS both let
    PostgreSQL hash every article of a popular tag first (~210,000 ids: 0.13-15 s at a
    million articles); the probe costs 0.3-6 ms whatever the tags.
    """
    same = Q()
    found = card_queryset()
    if tags:
        shared = TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag__in=tags)
        found = found.annotate(shared_tag=Subquery(shared.values("tag_id")[:1]))
        same |= Q(shared_tag__isnull=False)
    if article.province_id:
        same |= Q(province_id=article.province_id)
    if not same:
        return []
    found = found.filter(same).exclude(pk=article.pk).newest_first()
    return list(found[:RELATED_COUNT])


def article_context(request, article):
    """Everything templates/articles/article_detail.html needs to show `article`.

    Prefetches what the page lists (bylines, tags, inline photos, corrections) unless the
    caller did; pass an article fetched with `page_queryset()` to save the joins.
    """
    prefetch_related_objects([article], *PAGE_PREFETCHES)
    site = SiteSettings.current()
    url = site["url"] + article.get_absolute_url()
    bylines = list(article.bylines.all())
    writers = [b.author for b in bylines if b.role != Byline.Role.PHOTOGRAPHER]
    tags = list(article.tags.all())
    text = plain_text(article.body)
    wire_dateline = dateline(article)
    description = excerpt(article.summary or text, 120)
    related = related_articles(article, tags)
    lead_photo = article.lead_photo
    image_url = structured.absolute(site["url"], lead_photo.image.url) if lead_photo else ""
    crumbs = [(r.full_name, r.get_absolute_url()) for r in _places(article)]
    now = timezone.now()
    context = {
        "article": article,
        "writers": writers,
        "photographers": [b.author for b in bylines if b.role == Byline.Role.PHOTOGRAPHER],
        "tags": tags,
        "corrections": [c for c in article.corrections.all() if c.published_at <= now],
        "dateline": wire_dateline,
        "body_parts": []
        if article.is_retracted
        else compose_body(article.body, article.inline_photos.all()),
        "reading_minutes": reading_minutes(text),
        "updated_at": article.updated_at
        if article.publish_at and article.updated_at - article.publish_at > UPDATE_SHOWN_AFTER
        else None,
        "description": description,
        # Only web links: the field is validated in forms, not on every write.
        "original_link": article.original_url
        if article.original_url.startswith(("https://", "http://"))
        else "",
        "related": related,
        "shown_ids": {article.pk, *(a.pk for a in related)},
        "canonical_url": url,
        "image_url": image_url,
        "qr_svg": qr_svg(url),
        "breadcrumbs": crumbs,
        "breadcrumb_ld": structured.breadcrumb_list(
            [(site["name"], "/"), *crumbs, (article.title, article.get_absolute_url())],
            site["url"],
        ),
    }
    if article.publish_at and not article.is_retracted:
        context["article_ld"] = structured.news_article(
            article,
            url=url,
            site=site,
            writers=writers,
            description=description,
            image_url=image_url,
            dateline=wire_dateline,
        )
    return context


def _places(article):
    """The province, then the dateline city when it is not the province itself."""
    places = [article.province] if article.province_id else []
    if article.dateline_region_id and article.dateline_region_id != article.province_id:
        places.append(article.dateline_region)
    return places
