"""Fill the search helper's document table after a bulk load, when the site has one.

Uses the site's own writer, `articles.search.documents.refresh_documents(ids)` (the same
one the save signals and `rebuild_search_index` use), so the benchmark searches exactly
the documents the site would have built. Batches run in parallel processes, with the GIN
index set aside and rebuilt once at the end.
"""

import multiprocessing
import sys
import time

from django.apps import apps

BATCH = 1000
TABLE = "articles_searchdocument"


def _indexer():
    try:
        apps.get_model("articles", "SearchDocument")
        from articles.search.documents import refresh_documents
    except (LookupError, ImportError) as error:
        return None, f"no search indexer in the site yet ({error})"
    return refresh_documents, ""


def _refresh(bounds):
    from django.db import connection, transaction

    from articles.search.documents import refresh_documents

    first, last = bounds
    with transaction.atomic():
        written = refresh_documents(range(first, last + 1))
    connection.close_if_unusable_or_obsolete()
    return last - first + 1, written


def fill(url, total, workers=2):
    """Index articles 1..total; returns a summary dict for the load record."""
    from django.db import connections
    from tqdm import tqdm

    from bench import pgload

    refresh, reason = _indexer()
    if refresh is None:
        return {"skipped": reason}
    started = time.monotonic()
    with pgload.connect(url) as conn:
        saved = [s for s in pgload.saved_definitions(conn, [TABLE]) if s.table == TABLE]
        saved = [s for s in saved if s.kind == "index"]
        pgload.set_aside(conn, saved)
    connections.close_all()  # the forked workers open their own
    batches = [(first, min(first + BATCH - 1, total)) for first in range(1, total + 1, BATCH)]
    written = 0
    bar = tqdm(total=total, unit="doc", disable=not sys.stderr.isatty())
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for done, count in pool.imap_unordered(_refresh, batches):
            written += count
            bar.update(done)
    bar.close()
    indexed = time.monotonic()
    pgload.rebuild(url, saved, workers=1)
    return {
        "documents": written,
        "index_s": round(indexed - started, 1),
        "gin_s": round(time.monotonic() - indexed, 1),
    }
