"""The article querysets the reader pages and feeds share: cards, and what belongs to a
region, a tag or an author. Every one starts from `Article.objects.listed()`."""

from django.db.models import Q
from django.db.models.functions import Substr

from articles.models import Article, ArticlePhoto, Byline

# Enough of the body for a card's excerpt when the article has no summary.
EXCERPT_SOURCE_CHARS = 400


def card_queryset(queryset=None):
    """Listed articles with what a card shows, fetched in one query whatever the page size."""
    queryset = Article.objects.listed() if queryset is None else queryset
    return queryset.for_cards().annotate(body_start=Substr("body", 1, EXCERPT_SOURCE_CHARS))


def in_region(region):
    """A province's articles include its cities' (Article.province is denormalised for this)."""
    return Q(province=region) if region.is_provincial else Q(dateline_region=region)


def tagged_with(tag):
    return Q(tagged_items__tag=tag)


def credited_to(author):
    """Articles with `author` in a byline or a photo credit, without a multi-row join."""
    return (
        Q(pk__in=Byline.objects.filter(author=author).values("article_id"))
        | Q(lead_photo__photographer=author)
        | Q(pk__in=ArticlePhoto.objects.filter(photo__photographer=author).values("article_id"))
    )
