"""Running a parsed query: matching documents, ranking, and the listed() check.

Both backends answer with the ranked ids of listed articles. They take the newest WINDOW
matching documents (after filters) and rank those: exact for the queries readers usually
type, and bounded for a word that is in half the archive, where the recency boost would
put the newest matches first anyway.

PostgreSQL: GIN does the matching *and* the filtering, since month, place and tag are
lexemes of the document too (documents.filter_keys). A common word is first looked for in
the last two months, then the last year, then everywhere, stopping as soon as WINDOW
matches are found, so "经济" costs what a rare word costs. The window is ranked with
ts_rank (field weights) times a recency boost, then checked against `listed()`.
Other databases: LIKE over the segmented text, and the same weights computed in Python.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from articles.models import Article, Region, SearchDocument, Tag
from articles.search.query import ParsedQuery, Term, quote

WINDOW = 1000
# ts_rank weights for D (body words, grams), C (unused), B (summary etc.), A (title).
WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
FIELD_WEIGHTS = (1.0, 0.4, 0.1)  # A, B and body lines of the SQLite text
GRAM_WEIGHT = 0.1
RECENCY_DAYS = 30
# Recent stretches (in months) a query tries before the whole archive.
STAGES = (2, 12)
# A date filter spanning more months than this narrows with publish_at alone.
MAX_FILTER_MONTHS = 60


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


def _bounds(search):
    """(start, end) publish_at bounds of the date filter; either may be None."""
    start = _local_midnight(search.date_from) if search.date_from else None
    end = _local_midnight(search.date_to + timedelta(days=1)) if search.date_to else None
    return start, end


def _exact_filters(search):
    """The filters as conditions on Article: the truth the documents only mirror."""
    condition = Q()
    if search.region is not None:
        field = "province" if search.region.is_provincial else "dateline_region"
        condition &= Q(**{field: search.region})
    if search.tag is not None:
        condition &= Q(tagged_items__tag=search.tag)
    start, end = _bounds(search)
    if start:
        condition &= Q(publish_at__gte=start)
    if end:
        condition &= Q(publish_at__lt=end)
    return condition


def ranked_ids(search, now=None):
    """Ids of the listed articles that match, best first (or newest first)."""
    if not search.query:
        return []
    now = now or timezone.now()
    backend = _postgres if connection.vendor == "postgresql" else _fallback
    ids = backend(search, now)
    listed = set(
        Article.objects.listed(now)
        .filter(_exact_filters(search), pk__in=ids)
        .order_by()
        .values_list("pk", flat=True)
    )
    return [pk for pk in ids if pk in listed]


def months_between(start, end):
    """Month keys from the month of `start` to that of `end`, inclusive."""
    first, last = timezone.localtime(start), timezone.localtime(end)
    year, month, keys = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        keys.append(f"@m{year:04d}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def _any_of(keys):
    return "(" + " | ".join(quote(key) for key in keys) + ")"


def _stages(search, now):
    """tsqueries to try in turn: the query (with filter keys) over widening stretches."""
    query = search.query.tsquery()
    if search.region is not None:
        prefix = "@p" if search.region.is_provincial else "@r"
        query += f" & {quote(prefix + str(search.region.pk))}"
    if search.tag is not None:
        query += f" & {quote(f'@t{search.tag.pk}')}"
    start, end = _bounds(search)
    if start or end:
        months = months_between(start or now - timedelta(days=36500), min(end or now, now))
        if not months:
            return []  # the whole range is in the future
        if len(months) <= MAX_FILTER_MONTHS:
            query += f" & {_any_of(months)}"
        return [query]
    recent = [
        f"{query} & {_any_of(months_between(now - timedelta(days=31 * (n - 1)), now))}"
        for n in STAGES
    ]
    return [*recent, query]


WINDOW_SQL = """
SELECT article_id FROM (
    SELECT article_id, publish_at, vector FROM {table}
    WHERE vector @@ %(stage)s::tsquery AND publish_at <= %(now)s {dates}
    ORDER BY publish_at DESC, article_id DESC LIMIT %(window)s
) AS matches
ORDER BY {order}
"""
RANK = (
    "ts_rank(%(weights)s::float4[], vector, %(query)s::tsquery)"
    " * (1.0 + 1.0 / (1.0 + GREATEST(EXTRACT(EPOCH FROM %(now)s - publish_at), 0) / %(period)s))"
)


def _postgres(search, now):
    start, end = _bounds(search)
    dates = (" AND publish_at >= %(start)s" if start else "") + (
        " AND publish_at < %(end)s" if end else ""
    )
    order = "publish_at DESC, article_id DESC"
    if not search.newest_first:
        order = f"{RANK} DESC, {order}"
    sql = WINDOW_SQL.format(table=SearchDocument._meta.db_table, dates=dates, order=order)
    params = {
        "query": search.query.tsquery(),
        "now": now,
        "start": start,
        "end": end,
        "window": WINDOW,
        "weights": WEIGHTS,
        "period": RECENCY_DAYS * 86400.0,
    }
    ids = []
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner prices `@@` as one cheap operator, not as detoasting a vector per
        # row, and picks a sequential scan on small tables; GIN is always the right plan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        for stage in _stages(search, now):
            cursor.execute(sql, params | {"stage": stage})
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) >= WINDOW:
                break
    return ids


def _time_filter(search, now):
    start, end = _bounds(search)
    condition = Q(publish_at__lte=now)
    if start:
        condition &= Q(publish_at__gte=start)
    if end:
        condition &= Q(publish_at__lt=end)
    return condition


def _term_filter(term):
    """LIKE conditions over the SQLite text: a Latin term must start a word."""
    if term.kind == Term.LATIN:
        return Q(text__contains=f" {term.text}")
    return Q(text__contains=term.text)


def _field_score(term, lines):
    for weight, line in zip(FIELD_WEIGHTS, lines, strict=False):
        words = line.partition(" | ")[0]
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
    documents = SearchDocument.objects.filter(_time_filter(search, now))
    for term in search.query.terms:
        documents = documents.filter(_term_filter(term))
    if search.region is not None:
        field = "province" if search.region.is_provincial else "dateline_region"
        documents = documents.filter(**{f"article__{field}": search.region})
    if search.tag is not None:
        documents = documents.filter(article__tagged_items__tag=search.tag)
    rows = documents.order_by("-publish_at", "-article_id").values_list(
        "article_id", "publish_at", "text"
    )[:WINDOW]
    if search.newest_first:
        return [pk for pk, *_ in rows]
    scored = [(score(search, text, when, now), when, pk) for pk, when, text in rows]
    return [pk for *_, pk in sorted(scored, reverse=True)]
