"""Keyset pages for article lists: stable URLs and no OFFSET, however deep the page.

A page is named by the article it continues from: `?before=<µs>-<id>` lists what was
published before that article, `?after=<µs>-<id>` what came after it (towards the newest),
where <µs> is the article's publish time in microseconds since the epoch. Each page is one
range scan on the (publish_at, id) index, so page 50,000 costs what page 2 costs.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.http import Http404

CURSOR = re.compile(r"(\d{1,17})-(\d{1,19})")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
BIGINT_MAX = 2**63 - 1


def cursor_for(article):
    return f"{(article.publish_at - EPOCH) // MICROSECOND}-{article.pk}"


def parse_cursor(value):
    """(publish_at, id) from a cursor; malformed or impossible cursors are a 404."""
    match = CURSOR.fullmatch(value)
    if not match:
        raise Http404("bad page cursor")
    pk = int(match[2])
    if pk > BIGINT_MAX:  # no such row, and databases refuse the parameter
        raise Http404("bad page cursor")
    try:
        return EPOCH + int(match[1]) * MICROSECOND, pk
    except OverflowError as exc:
        raise Http404("bad page cursor") from exc


@dataclass
class KeysetPage:
    items: list
    newer: str = ""  # query string of the newer page; "" when there is none
    older: str = ""
    is_first: bool = True

    @property
    def has_other_pages(self):
        return bool(self.newer or self.older) or not self.is_first


@dataclass(frozen=True)
class PageBounds:
    """The rows a keyset page is read from: past its cursor, in page order, `size` of them.

    `apply()` cuts any queryset with a (time, id) order this way, so a page's query can also
    bound the subqueries it is built from (see selectors.credited_to).
    """

    size: int
    before: tuple | None = None  # (publish time, id) of the cursor
    after: tuple | None = None

    @classmethod
    def from_params(cls, params, size):
        before, after = params.get("before"), params.get("after")
        if before and after:
            raise Http404("two page cursors")
        return cls(
            size,
            before=parse_cursor(before) if before else None,
            after=parse_cursor(after) if after else None,
        )

    def apply(self, queryset, time="publish_at", key="pk"):
        if self.after:
            at, pk = self.after
            queryset = queryset.filter(**{f"{time}__gte": at}).exclude(
                **{time: at, f"{key}__lte": pk}
            )
            return queryset.order_by(time, key)[: self.size]
        if self.before:
            at, pk = self.before
            queryset = queryset.filter(**{f"{time}__lte": at}).exclude(
                **{time: at, f"{key}__gte": pk}
            )
        return queryset.order_by(f"-{time}", f"-{key}")[: self.size]


def keyset_page(queryset, params, size):
    """One page of `queryset` (listed articles) chosen by `params` (request.GET)."""
    bounds = PageBounds.from_params(params, size + 1)
    rows = list(bounds.apply(queryset))
    if bounds.after:
        items = rows[:size][::-1]
        page = KeysetPage(items, is_first=False)
        if items:
            page.older = f"before={cursor_for(items[-1])}"
        if len(rows) > size:
            page.newer = f"after={cursor_for(items[0])}"
    else:
        items = rows[:size]
        page = KeysetPage(items, is_first=not bounds.before)
        if bounds.before and items:
            page.newer = f"after={cursor_for(items[0])}"
        if len(rows) > size:
            page.older = f"before={cursor_for(items[-1])}"
    if not page.items and not page.is_first:
        raise Http404("no articles on this page")
    return page
