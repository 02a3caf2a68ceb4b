"""The article querysets the reader pages and feeds share: cards, and what belongs to a
region, a tag or an author. Every one starts from `Article.objects.listed()`."""

from dataclasses import replace

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Substr

from articles.models import Article, ArticlePhoto, Author, Byline, Photo, TaggedArticle

# Enough of the body for a card's excerpt when the article has no summary.
EXCERPT_SOURCE_CHARS = 400


def card_queryset(queryset=None):
    """Listed articles with what a card shows, fetched in one query whatever the page size."""
    queryset = Article.objects.listed() if queryset is None else queryset
    return queryset.for_cards().annotate(body_start=Substr("body", 1, EXCERPT_SOURCE_CHARS))


def in_region(region):
    """A province's articles include its cities' (Article.province is denormalised for this)."""
    return Q(province=region) if region.is_provincial else Q(dateline_region=region)


def tagged_with(tag, bounds=None):
    """Articles with `tag`. With `bounds` (the page's PageBounds) the tag's rows are cut to
    the page first, walking the (tag, publish time) index over TaggedArticle.publish_at: the
    site-wide publish-time walk filtered by tag read 50,000 articles for a rare tag at a
    million. (Joining on the copied time instead misled the planner into minutes.)"""
    rows = TaggedArticle.objects.filter(
        tag=tag, publish_at__isnull=False, content_object__in=Article.objects.listed()
    )
    if bounds is not None:
        rows = bounds.apply(rows, key="content_object_id")
    return Q(pk__in=rows.values("content_object_id"))


def authors():
    """Authors with `has_photos`: whether any photo credits them (one EXISTS in the same
    query), so that credited_to() can leave out photo credits an author cannot have."""
    return Author.objects.annotate(
        has_photos=Exists(Photo.objects.filter(photographer=OuterRef("pk")))
    )


def credited_to(author, bounds=None):
    """Articles with `author` in a byline or a photo credit, without a multi-row join.

    With `bounds` (the page's PageBounds) the bylines are cut to the page first, walking
    the (author, publish time) index over Byline.publish_at: the page is among those and
    the photo credits. An author has at most one byline per role on an article, hence 3×.
    Photo credits (for an author who has photos; see authors()) join as an OR, which
    PostgreSQL checks while walking the archive's publish order: quick for a photographer,
    whose credits are dense. For everyone else the walk is gone: it read 88,000 articles
    for a rare author, and every one of the busiest author's 85,800 bylines was hashed.
    """
    bylines = Byline.objects.filter(
        author=author, publish_at__isnull=False, article__in=Article.objects.listed()
    )
    if bounds is not None:
        roles = replace(bounds, size=bounds.size * len(Byline.Role))
        bylines = roles.apply(bylines, key="article_id")
    credited = Q(pk__in=bylines.values("article_id"))
    if getattr(author, "has_photos", True):
        inline = ArticlePhoto.objects.filter(photo__photographer=author).values("article_id")
        credited |= Q(lead_photo__photographer=author) | Q(pk__in=inline)
    return credited
