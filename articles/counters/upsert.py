"""Additive writes of read counts into the database, never read-modify-write.

`add_reads()` adds to DailyReads with one INSERT … ON CONFLICT DO UPDATE per chunk (the
same SQL works on PostgreSQL and SQLite) and to Article.view_count with one F() + CASE
UPDATE per chunk. Callers wrap it in a transaction.
"""

from collections import defaultdict

from django.db import connection
from django.db.models import Case, F, Value, When

from articles.models import Article, DailyReads

CHUNK = 500


def _add_daily(rows):
    table = connection.ops.quote_name(DailyReads._meta.db_table)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        values = ", ".join(["(%s, %s, %s)"] * len(chunk))
        params = []
        for article_id, day, count in chunk:
            params += [article_id, connection.ops.adapt_datefield_value(day), count]
        sql = (
            f"INSERT INTO {table} (article_id, day, count) VALUES {values} "  # noqa: S608
            f"ON CONFLICT (article_id, day) DO UPDATE SET count = {table}.count + excluded.count"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _add_totals(totals):
    ids = sorted(totals)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if len(chunk) == 1:
            increment = Value(totals[chunk[0]])
        else:
            increment = Case(*(When(pk=pk, then=Value(totals[pk])) for pk in chunk))
        Article.objects.filter(pk__in=chunk).update(view_count=F("view_count") + increment)


def add_reads(rows):
    """Add [(article_id, day, count)] to the daily rows and the article totals.

    Rows for articles that no longer exist are dropped; returns (reads, articles) applied.
    """
    wanted = {article_id for article_id, _day, _count in rows}
    existing = set(Article.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    kept = sorted((a, d, c) for a, d, c in rows if a in existing and c > 0)
    totals = defaultdict(int)
    for article_id, _day, count in kept:
        totals[article_id] += count
    # Articles first, then their daily rows: the same lock order as a single read.
    _add_totals(totals)
    _add_daily(kept)
    return sum(totals.values()), len(totals)


def add_one_read(article_id, day):
    """One read: the article total, then its day row (skipped for a missing article)."""
    updated = Article.objects.filter(pk=article_id).update(view_count=F("view_count") + 1)
    if updated:
        _add_daily([(article_id, day, 1)])
    return updated == 1
