"""Fill the search helper's document table after a bulk load, when the site has one.

The documents come from the site's own `articles.search.documents.build()`, the function
its save signals and `rebuild_search_index` use, so the benchmark searches what the site
would have built. Going through `refresh_documents()` costs ~10 ms an article (Python text
processing, then to_tsvector in one big INSERT), hours for a million, so the load takes a
faster route to the same rows, and checks that it is the same before using it:

- in the worker processes only, `normalize()` and `tokens()` are memoised per paragraph
  of long texts (generated bodies reuse paragraphs, and segmentation never crosses the
  space between paragraphs);
- the vector is written as a tsvector literal through COPY instead of being computed by
  PostgreSQL, when `DocumentVector` has the shape this module knows.

A sample of articles is built both ways first: the memoised text must equal `build()`'s
exactly, and the literal must equal (`=` on tsvector) what PostgreSQL computes from the
site's template. Otherwise the documents are written by `refresh_documents()` itself.
"""

import functools
import multiprocessing
import sys
import time

from django.apps import apps

BATCH = 1000
TABLE = "articles_searchdocument"
SAMPLE = 200
SLOW_PATH_LIMIT = 50_000
KNOWN_TEMPLATE = (
    "setweight(to_tsvector('simple'::regconfig, %s), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, %s), 'B') || "
    "array_to_tsvector(string_to_array(%s, ' '))"
)
LONG_TEXT = 400


def _indexer():
    try:
        apps.get_model("articles", "SearchDocument")
        from articles.search import documents
    except (LookupError, ImportError) as error:
        return None, f"no search indexer in the site yet ({error})"
    return documents, ""


# --- memoised text processing (worker processes only) -----------------------------------


def memoise_text():
    """Swap in per-paragraph memoised `normalize` and `tokens` for long texts."""
    from articles.search import text

    if getattr(text, "_bench_memoised", False):
        return
    normalize, tokens = text.normalize, text.tokens
    normalize_part = functools.lru_cache(maxsize=100_000)(normalize)
    tokens_part = functools.lru_cache(maxsize=100_000)(lambda part: tuple(tokens(part)))

    def fast_normalize(value):
        if len(value) < LONG_TEXT:
            return normalize(value)
        return " ".join(normalize_part(part) for part in text.clean(value).split(" "))

    def fast_tokens(value):
        if len(value) < LONG_TEXT:
            return tokens(value)
        found = []
        for part in value.split(" "):
            found.extend(tokens_part(part))
        return found

    text.normalize, text.tokens = fast_normalize, fast_tokens
    text._bench_memoised = True


def vector_parts(document):
    return [expression.value for expression in document.vector.get_source_expressions()]


def tsvector_literal(a, b, rest):
    """The tsvector KNOWN_TEMPLATE computes: A and B words with positions, rest without."""
    positions = {}
    offset = 0
    for text, weight in ((a, "A"), (b, "B")):
        words = text.split()
        for index, word in enumerate(words, start=1):
            positions.setdefault(word, []).append(f"{min(offset + index, 16383)}{weight}")
        offset += len(words)
    for word in rest.split(" "):
        if word:
            positions.setdefault(word, [])
    entries = []
    for word, places in positions.items():
        quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
        entries.append(quoted + (":" + ",".join(places[:256]) if places else ""))
    return " ".join(entries)


def _copy_escape(value):
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _articles(first, last):
    from articles.search import documents

    return list(
        documents.with_search_fields(documents.searchable().filter(pk__range=(first, last)))
    )


def _fast_batch(bounds):
    """Build and COPY the documents of one id range; returns (ids covered, written)."""
    from django.db import connection
    from django.utils import timezone

    from articles.search import documents

    memoise_text()
    first, last = bounds
    now = timezone.now().isoformat()
    lines = []
    for article in _articles(first, last):
        a, b, rest = vector_parts(documents.build(article, vendor="postgresql"))
        lines.append(
            f"{article.pk}\t{article.publish_at.isoformat()}\t"
            f"{_copy_escape(tsvector_literal(a, b, rest))}\t\t{now}"
        )
    if lines:
        data = ("\n".join(lines) + "\n").encode()
        with connection.cursor() as cursor:
            copy = f"COPY {TABLE} (article_id, publish_at, vector, text, updated_at) FROM STDIN"
            with cursor.cursor.copy(copy) as stream:
                stream.write(data)
    return last - first + 1, len(lines)


def _site_batch(bounds):
    from django.db import transaction

    from articles.search.documents import refresh_documents

    first, last = bounds
    with transaction.atomic():
        return last - first + 1, refresh_documents(range(first, last + 1))


def check_fast_path(total):
    """"" when the fast route builds exactly the site's documents, else why not."""
    from django.db import connection

    from articles.search import documents

    if documents.DocumentVector.template != KNOWN_TEMPLATE:
        return "DocumentVector changed shape"
    ids = range(1, total + 1, max(1, total // SAMPLE))
    sample = list(
        documents.with_search_fields(documents.searchable().filter(pk__in=list(ids)))
    )
    if not sample:
        return "no searchable articles"
    expected = [vector_parts(documents.build(a, vendor="postgresql")) for a in sample]
    memoise_text()
    for article, parts in zip(sample, expected, strict=True):
        fast = vector_parts(documents.build(article, vendor="postgresql"))
        if fast != parts:
            return f"memoised text differs for article {article.pk}"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT %s::tsvector = ({KNOWN_TEMPLATE})", [tsvector_literal(*fast), *fast])
            if not cursor.fetchone()[0]:
                return f"tsvector literal differs for article {article.pk}"
    return ""


def fill(url, total, workers=2):
    """Index articles 1..total; returns a summary dict for the load record."""
    from django.db import connections
    from tqdm import tqdm

    from bench import pgload

    documents, reason = _indexer()
    if documents is None:
        return {"skipped": reason}
    started = time.monotonic()
    with pgload.connect(url) as conn:
        conn.execute(f"TRUNCATE {TABLE}")
        saved = [s for s in pgload.saved_definitions(conn, [TABLE]) if s.kind == "index"]
        saved = [s for s in saved if s.table == TABLE]
        pgload.set_aside(conn, saved)
    problem = check_fast_path(total)
    route = _fast_batch if not problem else _site_batch
    if problem and total > SLOW_PATH_LIMIT:
        pgload.rebuild(url, saved, workers=1)
        return {"skipped": f"fast route unusable ({problem}); too many articles for the slow one"}
    connections.close_all()  # the forked workers open their own
    batches = [(first, min(first + BATCH - 1, total)) for first in range(1, total + 1, BATCH)]
    written = 0
    bar = tqdm(total=total, unit="doc", disable=not sys.stderr.isatty())
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for done, count in pool.imap_unordered(route, batches):
            written += count
            bar.update(done)
    bar.close()
    indexed = time.monotonic()
    pgload.rebuild(url, saved, workers=1)
    return {
        "documents": written,
        "route": "memoised + COPY" if not problem else f"refresh_documents ({problem})",
        "build_s": round(indexed - started, 1),
        "gin_s": round(time.monotonic() - indexed, 1),
    }
