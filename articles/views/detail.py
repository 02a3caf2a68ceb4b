"""The article page, and `article_context()`, with which the staff preview renders it too."""

from datetime import timedelta

from django.db.models import BooleanField, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from articles import structured
from articles.body import compose_body, dateline
from articles.links import reverse
from articles.models import (
    Article,
    ArticlePhoto,
    Author,
    Byline,
    Correction,
    SiteSettings,
    Tag,
    TaggedArticle,
)
from articles.prepared import PreparedModelQuery, PreparedQuery
from articles.qr import qr_svg
from articles.text import excerpt, plain_text, reading_minutes

PAGE_RELATED = ("dateline_region", "province", "lead_photo__photographer", "editor")
RELATED_COUNT = 6
# An edit this long after publication shows an update time on the page.
UPDATE_SHOWN_AFTER = timedelta(minutes=5)


def page_queryset():
    """Articles with the page's single-valued relations joined, whatever their status.

    Most articles have no inline photos and no corrections: two EXISTS probes in this
    query spare the page a query for each.
    """
    return Article.objects.select_related(*PAGE_RELATED).annotate(
        has_inline_photos=_exists_for_article(ArticlePhoto),
        has_corrections=_exists_for_article(Correction),
    )


def _exists_for_article(model):
    # Written out: Django's Exists(OuterRef) costs as much to compile as a whole query.
    rows, articles = model._meta.db_table, Article._meta.db_table
    sql = f'EXISTS (SELECT 1 FROM "{rows}" WHERE "{rows}"."article_id" = "{articles}"."id")'  # noqa: S608 - table names from the models
    return RawSQL(sql, (), output_field=BooleanField())  # noqa: S611 - no outside input


def article_detail(request, pk, slug=""):
    found = _PAGE(pk=pk)
    article = found[0] if found else None
    # The row-level twin of published(): the same rule, without compiling it into the SQL.
    if article is None or not article.is_published():
        raise Http404("no article readers may open by that id")
    if slug != article.slug:
        # Renamed titles and mistyped slugs keep working: one permanent hop to the real URL.
        return HttpResponsePermanentRedirect(article.get_absolute_url())
    return render(request, "articles/article_detail.html", article_context(request, article))


def related_articles(article, tags):
    """查看更多: the newest listed articles sharing a tag or the province, not this one.

    One walk down the publish-time index that stops at RELATED_COUNT matches, probing each
    row's tags through a scalar subquery. `pk IN (tagged ids)` and EXISTS both let
    PostgreSQL hash every article of a popular tag first (~210,000 ids: 0.13-15 s at a
    million articles); the probe costs 0.3-6 ms whatever the tags. Only what the list
    shows is fetched (title, link, time), not whole cards.
    """
    values = {"now": timezone.now(), "pk": article.pk}
    if tags:
        values["tag_ids"] = [tag.pk for tag in tags]
    if article.province_id:
        values["province_id"] = article.province_id
    if len(values) == 2:
        return []
    return _RELATED(**values)


def _related_query(now, pk, tag_ids=(), province_id=None):
    same = Q()
    found = Article.objects.listed(now)
    if tag_ids:
        shared = TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag__in=tag_ids)
        found = found.annotate(shared_tag=Subquery(shared.values("tag_id")[:1]))
        same |= Q(shared_tag__isnull=False)
    if province_id is not None:
        same |= Q(province_id=province_id)
    found = found.filter(same).exclude(pk=pk).newest_first()
    return found.values_list(*CARD_LINK_FIELDS)[:RELATED_COUNT]


# The page's fixed-shape queries, compiled once per process (articles/prepared.py).
_PAGE = PreparedModelQuery(lambda pk: page_queryset().filter(pk=pk)[:1], Article)
CARD_LINK_FIELDS = ("id", "slug", "title", "publish_at")
_RELATED = PreparedQuery(_related_query, Article, CARD_LINK_FIELDS)
_TAGS = PreparedQuery(
    lambda pk: Tag.objects.filter(tagged_articles__content_object=pk).values_list(
        "id", "name", "slug"
    ),
    Tag,
    ("id", "name", "slug"),
)
_BYLINES = PreparedQuery(
    lambda pk: Byline.objects.filter(article=pk).values_list(
        "id", "role", "position", "author_id", "author__name", "author__slug"
    ),
    Byline,
    ("id", "role", "position", "author_id"),
    ("author_name", "author_slug"),
)
_INLINE_PHOTOS = PreparedModelQuery(
    lambda pk: ArticlePhoto.objects.filter(article=pk).select_related("photo__photographer"),
    ArticlePhoto,
)
_CORRECTIONS = PreparedModelQuery(lambda pk: Correction.objects.filter(article=pk), Correction)


def _bylines(article):
    bylines = _BYLINES(pk=article.pk)
    for byline in bylines:
        byline.author = Author.from_db(
            byline._state.db,
            ("id", "name", "slug"),
            (byline.author_id, byline.author_name, byline.author_slug),
        )
    return bylines


def _listed_rows(article, name, fetch, present=True):
    """The rows of a to-many relation: prefetched by the caller, else fetched, or none
    when page_queryset()'s EXISTS probe found nothing."""
    prefetched = getattr(article, "_prefetched_objects_cache", {})
    if name in prefetched:
        return list(prefetched[name])
    if not present:
        return []
    return list(fetch() if callable(fetch) else fetch)


def article_context(request, article):
    """Everything templates/jinja2/articles/article_detail.html needs to show `article`.

    Fetches what the page lists (bylines, tags, inline photos, corrections) unless the
    caller prefetched it; pass an article fetched with `page_queryset()` to save the joins
    and the queries for inline photos and corrections it has none of.
    """
    site = SiteSettings.current()
    path = article.get_absolute_url()
    url = site["url"] + path
    # The QR code holds the short link (/a/<id>/, one redirect from the page): a code a
    # third the size of the full URL's, easier to scan and several times faster to draw.
    short_url = site["url"] + reverse("articles:detail_short", kwargs={"pk": article.pk})
    bylines = _listed_rows(article, "bylines", lambda: _bylines(article))
    writers = [b.author for b in bylines if b.role != Byline.Role.PHOTOGRAPHER]
    tags = _listed_rows(article, "tags", lambda: _TAGS(pk=article.pk))
    inline_photos = _listed_rows(
        article,
        "inline_photos",
        lambda: _INLINE_PHOTOS(pk=article.pk),
        getattr(article, "has_inline_photos", True),
    )
    corrections = _listed_rows(
        article,
        "corrections",
        lambda: _CORRECTIONS(pk=article.pk),
        getattr(article, "has_corrections", True),
    )
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
        "corrections": [c for c in corrections if c.published_at <= now],
        "dateline": wire_dateline,
        "body_parts": [] if article.is_retracted else compose_body(article.body, inline_photos),
        "reading_time": _reading_time(reading_minutes(text)),
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
        "qr_svg": qr_svg(short_url),
        "breadcrumbs": crumbs,
        "breadcrumb_ld": structured.breadcrumb_list(
            [(site["name"], "/"), *crumbs, (article.title, path)],
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


def _reading_time(minutes):
    return ngettext("约 %(minutes)s 分钟读完", "约 %(minutes)s 分钟读完", minutes) % {
        "minutes": minutes
    }


def _places(article):
    """The province, then the dateline city when it is not the province itself."""
    places = [article.province] if article.province_id else []
    if article.dateline_region_id and article.dateline_region_id != article.province_id:
        places.append(article.dateline_region)
    return places
