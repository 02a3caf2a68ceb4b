"""Running a parsed query: matching documents, ranking, and the listed() check.

Both backends answer with the ranked ids of listed articles. They look at the newest
WINDOW matching documents (after filters) and rank those: exact for the queries readers
usually type, and bounded for a word that is in half the archive, where the recency boost
would put the newest matches first anyway.

PostgreSQL: the GIN-indexed tsvector, ts_rank with field weights, times a recency boost.
Other databases: LIKE over the segmented text and the same weights computed in Python.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Func, Q, Value
from django.utils import timezone

from articles.models import Article, Region, SearchDocument, Tag
from articles.search.query import ParsedQuery, Term

WINDOW = 1000
# ts_rank weights for D (grams: a substring, not a word), C (body), B, A (title).
WEIGHTS = [0.05, 0.2, 0.4, 1.0]
FIELD_WEIGHTS = (1.0, 0.4, 0.2)  # A, B, C lines of the SQLite text
GRAM_WEIGHT = 0.05
RECENCY_DAYS = 30


class RawTsQuery(SearchQuery):
    """A tsquery built from quoted lexemes (query.py), cast as it is, never re-parsed."""

    def __init__(self, tsquery):
        super().__init__(Value(tsquery))

    def as_sql(self, compiler, connection, function=None, template=None):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"({sql})::tsquery", params


class Recency(Func):
    """1 + 1 / (1 + age / 30 days): twice the weight today, 1.5× at a month, ~1 after."""

    template = (
        "(1.0 + 1.0 / (1.0 + GREATEST(EXTRACT(EPOCH FROM (%(now)s - %(expressions)s)), 0)"
        " / %(seconds)s))"
    )
    output_field = FloatField()

    def __init__(self, expression, now):
        super().__init__(expression)
        self.now = now

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(
            compiler, connection, now="%s", seconds=RECENCY_DAYS * 86400.0, **extra_context
        )
        # The %(now)s placeholder comes first in the template.
        return sql, (self.now, *params)


@dataclass(frozen=True)
class Search:
    query: ParsedQuery
    region: Region | None = None
    tag: Tag | None = None
    date_from: date | None = None
    date_to: date | None = None
    newest_first: bool = False

    def key(self):
        return "|".join(
            str(part)
            for part in (
                self.query.key(),
                self.region and self.region.pk,
                self.tag and self.tag.pk,
                self.date_from,
                self.date_to,
                self.newest_first,
            )
        )


def _local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(documents, search, now):
    documents = documents.filter(publish_at__lte=now)
    if search.region is not None:
        if search.region.is_provincial:
            documents = documents.filter(article__province=search.region)
        else:
            documents = documents.filter(article__dateline_region=search.region)
    if search.tag is not None:
        documents = documents.filter(article__tagged_items__tag=search.tag)
    if search.date_from:
        documents = documents.filter(publish_at__gte=_local_midnight(search.date_from))
    if search.date_to:
        end = _local_midnight(search.date_to + timedelta(days=1))
        documents = documents.filter(publish_at__lt=end)
    return documents


def _window(documents):
    return documents.order_by("-publish_at", "-article_id").values("article_id")[:WINDOW]


def ranked_ids(search, now=None):
    """Ids of the listed articles that match, best first (or newest first)."""
    if not search.query:
        return []
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _postgres(search, now)
    return _fallback(search, now)


def _postgres(search, now):
    tsquery = RawTsQuery(search.query.tsquery())
    window = _window(_filtered(SearchDocument.objects.filter(vector=tsquery), search, now))
    articles = Article.objects.listed(now).filter(pk__in=window)
    if search.newest_first:
        articles = articles.order_by("-publish_at", "-id")
    else:
        rank = SearchRank(F("search_document__vector"), tsquery, weights=WEIGHTS)
        articles = articles.annotate(score=rank * Recency(F("publish_at"), now)).order_by(
            "-score", "-publish_at", "-id"
        )
    return list(articles.values_list("pk", flat=True))


def _term_filter(term):
    """LIKE conditions over the SQLite text: a Latin term must start a word."""
    if term.kind == Term.LATIN:
        return Q(text__contains=f" {term.text}")
    return Q(text__contains=term.text)


def _field_score(term, lines):
    for weight, line in zip(FIELD_WEIGHTS, lines, strict=False):
        words, _, plain = line.partition(" | ")
        if term.kind == Term.HAN and f" {term.text} " in f"{words} ":
            return weight
        if term.kind != Term.HAN and f" {term.text}" in words:
            return weight
    if term.kind != Term.LATIN and any(term.text in line for line in lines):
        return GRAM_WEIGHT
    return 0.0


def score(search, text, publish_at, now):
    """The SQLite stand-in for ts_rank × recency, from the document's text lines."""
    lines = text.split("\n")
    relevance = sum(_field_score(term, lines) for term in search.query.terms)
    age_days = max((now - publish_at).total_seconds(), 0) / 86400
    return relevance * (1 + 1 / (1 + age_days / RECENCY_DAYS))


def _fallback(search, now):
    documents = SearchDocument.objects.all()
    for term in search.query.terms:
        documents = documents.filter(_term_filter(term))
    window = _window(_filtered(documents, search, now))
    rows = Article.objects.listed(now).filter(pk__in=window)
    rows = rows.values_list("pk", "publish_at", "search_document__text")
    if search.newest_first:
        return [pk for pk, *_ in sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)]
    scored = [(score(search, text, when, now), when, pk) for pk, when, text in rows]
    return [pk for *_, pk in sorted(scored, reverse=True)]
