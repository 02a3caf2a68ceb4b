"""Running a parsed query: matching documents, ranking, and the listed() check.

Both backends answer with the ranked ids of listed articles. They take the newest WINDOW
matching documents (after filters) and rank those: exact for the queries readers usually
type, and bounded for a word that is in half the archive, where the recency boost would
put the newest matches first anyway.

PostgreSQL: one statement. GIN does the matching *and* the filtering, since month, place
and tag are lexemes of the document too (documents.filter_keys). A common word is first
looked for in the last two months, then the last year, then everywhere (of the date range,
if one is given), stopping as soon as WINDOW matches are found, so "经济" costs what a rare
word costs. The window is ranked with ts_rank (field weights) on `head_vector`, the
title-to-places part of the vector kept in the row (the whole vector is in TOAST: reading
1,000 of them cost ~60 ms), times a recency boost. Candidates whose article is
unpublished, retracted or expired are dropped through a small partial index of such
articles (migration 0007), so a document that lags behind an article never shows it,
without fetching every candidate's article. Place, tag and publish time are the
document's own, which the save signals keep current.
Other databases: LIKE over the segmented text, the same weights computed in Python, and
the filters and listed() checked against the articles.
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
    if connection.vendor == "postgresql":
        return _postgres(search, now)
    ids = _fallback(search, now)
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
    top = min(end or now, now)
    whole = query
    if start or end:
        months = months_between(start or now - timedelta(days=36500), top)
        if not months:
            return []  # the whole range is in the future
        if len(months) <= MAX_FILTER_MONTHS:
            whole += f" & {_any_of(months)}"
    else:
        months = None
    # The newest matches of a date range are at its end: stretches are counted back from
    # there, and only those shorter than the range itself are worth a scan.
    recent = []
    for n in STAGES:
        stretch = months_between(top - timedelta(days=31 * (n - 1)), top)
        if months is None or len(stretch) < len(months):
            recent.append(f"{query} & {_any_of(stretch)}")
    return [*recent, whole]


# One CTE per stage; a stage runs only when every earlier one found fewer than WINDOW (a
# one-time filter: PostgreSQL skips the scan), and the last stage that ran is the window,
# since each stage's stretch contains the one before.
STAGE_SQL = """
stage{n} AS MATERIALIZED (
    SELECT article_id, publish_at, head_vector FROM articles_searchdocument
    WHERE {guard} vector @@ %(stage{n})s::tsquery AND publish_at <= %(now)s {dates}
    ORDER BY publish_at DESC, article_id DESC LIMIT %(window)s
)"""
# The partial index search_unlisted_article covers every article that may be in
# searchable() and yet not listed: repeating its predicate lets the planner use it.
# OFFSET 0 keeps the check a probe per candidate: as an anti-join the planner hashes all
# ~19,000 such articles of a million (125 ms) to check 1,000 candidates (~1 ms).
WINDOW_SQL = """
WITH {stages}
SELECT article_id FROM ({window}) AS matches
WHERE NOT EXISTS (
    SELECT 1 FROM articles_article AS article
    WHERE article.id = matches.article_id
      AND (article.status <> 'published' OR article.retracted_at IS NOT NULL
           OR article.expires_at IS NOT NULL)
      AND (article.status <> 'published' OR article.retracted_at IS NOT NULL
           OR article.expires_at <= %(now)s OR article.publish_at > %(now)s)
    OFFSET 0
)
ORDER BY {order}
"""
# For this transaction only. The planner prices `@@` as one cheap operator, not as
# detoasting a vector per row, and picks a sequential scan on small tables: GIN is always
# the right plan. A whole-archive stage is priced high enough to be JIT-compiled (~65 ms)
# and to start parallel workers (~10 ms each) even when its one-time filter skips it. A
# prefix term ("茶" is 茶:*) gathers the ids of every word it starts; in 4 MB they go lossy
# and each match is rechecked against its detoasted vector (30,000 buffers, not 2,000).
PLANNER_SQL = (
    "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true),"
    " set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('work_mem', '16MB', true)"
)
RANK = (
    "ts_rank(%(weights)s::float4[], head_vector, %(query)s::tsquery)"
    " * (1.0 + 1.0 / (1.0 + GREATEST(EXTRACT(EPOCH FROM %(now)s - publish_at), 0) / %(period)s))"
)


GUARD = "(SELECT count(*) FROM stage{n}) < %(window)s AND "
# A middle stretch is skipped when the one before, scaled up to its length, would not
# fill the window either: a rare word then costs two GIN scans, not three.
PROMISE = "(SELECT count(*) FROM stage{n}) * {growth} >= %(window)s AND "
PICK = "SELECT * FROM stage{n}"
LATER_EMPTY = "NOT EXISTS (SELECT 1 FROM stage{n})"


def window_sql(stages, dates, order):
    """The statement for `stages` stages (see STAGE_SQL and WINDOW_SQL)."""
    parts, picks = [], []
    for n in range(stages):
        guard = "".join(GUARD.format(n=k) for k in range(n))
        if 0 < n < stages - 1:
            guard += PROMISE.format(n=n - 1, growth=STAGES[n] / STAGES[n - 1])
        parts.append(STAGE_SQL.format(n=n, guard=guard, dates=dates))
        later = " AND ".join(LATER_EMPTY.format(n=k) for k in range(n + 1, stages))
        picks.append(PICK.format(n=n) + (f" WHERE {later}" if later else ""))
    return WINDOW_SQL.format(stages=",".join(parts), window=" UNION ALL ".join(picks), order=order)


def _postgres(search, now):
    stages = _stages(search, now)
    if not stages:
        return []
    start, end = _bounds(search)
    dates = (" AND publish_at >= %(start)s" if start else "") + (
        " AND publish_at < %(end)s" if end else ""
    )
    order = "publish_at DESC, article_id DESC"
    if not search.newest_first:
        order = f"{RANK} DESC, {order}"
    params = {
        "query": search.query.tsquery(),
        "now": now,
        "start": start,
        "end": end,
        "window": WINDOW,
        "weights": WEIGHTS,
        "period": RECENCY_DAYS * 86400.0,
    }
    params |= {f"stage{n}": stage for n, stage in enumerate(stages)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PLANNER_SQL)
        cursor.execute(window_sql(len(stages), dates, order), params)
        return [row[0] for row in cursor.fetchall()]


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
