"""Fill the search helper's document table after a bulk load, when the site has one.

The documents are the site's own: `articles.search.documents.build()` is what its save
signals and `rebuild_search_index` write. Going through `refresh_documents()` costs ~10 ms
an article (ORM objects, text processing, then to_tsvector in one big INSERT), hours for a
million, so the load takes a faster route to the same rows:

- plain rows from one SQL query per batch instead of model instances;
- the site's own `normalize()`, `tokens()`, `grams()` and `month_key()`, applied once per
  distinct piece of text (a paragraph, a tag, a name) and memoised: generated articles
  reuse them, and segmentation never crosses the space between pieces;
- the vector written as a tsvector literal through COPY, not computed by PostgreSQL.

Before it is used, a sample of articles is built both ways: the parts must equal build()'s
and the literal must be `=` to what PostgreSQL computes from the site's template. If the
site's documents changed shape, they are written by `refresh_documents()` itself (small
loads) or left out with the reason (large ones).
"""

import multiprocessing
import sys
import time
from collections import Counter

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


# --- the fast route ----------------------------------------------------------------------

# Tags in id order (the site's own order is whatever taggit's prefetch returns).
ROWS_SQL = """
SELECT a.id, a.publish_at, a.title, a.subtitle, a.summary, a.body, a.dateline_region_id,
       a.province_id,
       ARRAY(SELECT au.name FROM articles_byline b JOIN articles_author au ON au.id = b.author_id
             WHERE b.article_id = a.id ORDER BY b.position, b.id),
       ARRAY(SELECT t.id FROM articles_taggedarticle x JOIN articles_tag t ON t.id = x.tag_id
             WHERE x.content_object_id = a.id ORDER BY t.id),
       ARRAY(SELECT t.name FROM articles_taggedarticle x JOIN articles_tag t ON t.id = x.tag_id
             WHERE x.content_object_id = a.id ORDER BY t.id)
FROM articles_article a WHERE a.id = ANY(%s) ORDER BY a.id
"""


class DocumentMaker:
    """`documents.build()`'s three vector parts from plain rows, memoised per text piece.

    Fields are joined with spaces and normalised, then segmented; segmentation never
    crosses a space, so each piece (a paragraph, a tag name, a person) is processed once
    per worker and reused. `check()` proves the parts equal build()'s on a sample.
    """

    def __init__(self):
        from articles.models import Region
        from articles.search import documents, text

        self.text, self.documents = text, documents
        self.regions = {r.pk: r for r in Region.objects.all()}
        self.pieces = {}
        self.paragraphs = {}
        self.quoted = {}

    def piece(self, value):
        """(normalised text, tokens) of a short piece of text."""
        found = self.pieces.get(value)
        if found is None:
            normal = self.text.normalize(value)
            found = self.pieces[value] = (normal, tuple(self.text.tokens(normal)))
        return found

    def paragraph(self, value):
        """(words, the words as tsvector literal entries) of one paragraph of a body."""
        found = self.paragraphs.get(value)
        if found is None:
            words = frozenset(self.text.tokens(self.text.normalize(value)))
            found = self.paragraphs[value] = (words, " ".join(map(self.quote, words)))
        return found

    def body(self, body):
        text = self.text.html_to_text(body)[: self.text.MAX_INDEXED_CHARS]
        return [self.paragraph(part) for part in text.split()]

    def places(self, region_id):
        region = self.regions.get(region_id)
        if region is None:
            return []
        places = [region.name, region.full_name]
        parent = self.regions.get(region.parent_id)
        if parent is not None:
            places += [parent.name, parent.full_name]
        return places

    def pieces_of(self, row):
        """(A words, B words, body paragraphs, grams and filter keys) of one ROWS_SQL row."""
        _pk, publish_at, title, subtitle, summary, body, region, province, people, tag_ids, tags = (
            row
        )
        a_normal, a_words = self.piece(title)
        b_pieces = [
            self.piece(p) for p in (subtitle, summary, *people, *tags, *self.places(region))
        ]
        b_normal = " ".join(normal for normal, _words in b_pieces if normal)
        b_words = [word for _normal, words in b_pieces for word in words]
        paragraphs = self.body(body)
        all_words = set(a_words).union(b_words, *(words for words, _quoted in paragraphs))
        extra = self.text.grams(a_normal, all_words) | self.text.grams(b_normal, all_words)
        extra |= {self.documents.month_key(publish_at), *(f"@t{tag}" for tag in tag_ids)}
        if region:
            extra.add(f"@r{region}")
        if province:
            extra.add(f"@p{province}")
        return " ".join(a_words), " ".join(b_words), paragraphs, extra

    def parts(self, row):
        """build()'s three parts: (A words, B words, the set of unpositioned lexemes)."""
        a, b, paragraphs, extra = self.pieces_of(row)
        return a, b, extra.union(*(words for words, _quoted in paragraphs))

    def literal(self, row):
        """The tsvector KNOWN_TEMPLATE computes, as input text. Lexemes may repeat (a word
        in two paragraphs): tsvector input merges them, so cached paragraph text is reused.
        """
        a, b, paragraphs, extra = self.pieces_of(row)
        entries, offset = {}, 0
        for text, weight in ((a, "A"), (b, "B")):
            words = text.split()
            for index, word in enumerate(words, start=1):
                entries.setdefault(word, []).append(f"{min(offset + index, 16383)}{weight}")
            offset += len(words)
        positioned = [
            f"{self.quote(word)}:{','.join(places[:256])}" for word, places in entries.items()
        ]
        return " ".join(
            [*positioned, *(quoted for _words, quoted in paragraphs), *map(self.quote, extra)]
        )

    def quote(self, word):
        found = self.quoted.get(word)
        if found is None:
            found = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
            self.quoted[word] = found
        return found


_maker = {}


def _rows(ids):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(ROWS_SQL, [list(ids)])
        return cursor.fetchall()


def _copy_escape(value):
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _fast_batch(bounds):
    """Build and COPY the documents of one id range; returns (ids covered, written)."""
    from django.db import connection
    from django.utils import timezone

    from articles.search import documents

    maker = _maker.get("maker") or _maker.setdefault("maker", DocumentMaker())
    first, last = bounds
    ids = documents.searchable().filter(pk__range=(first, last)).values_list("pk", flat=True)
    now = timezone.now().isoformat()
    lines = []
    for row in _rows(ids):
        vector = maker.literal(row)
        lines.append(f"{row[0]}\t{row[1].isoformat()}\t{_copy_escape(vector)}\t\t{now}")
    if lines:
        with connection.cursor() as cursor:
            copy = f"COPY {TABLE} (article_id, publish_at, vector, text, updated_at) FROM STDIN"
            with cursor.cursor.copy(copy) as stream:
                stream.write(("\n".join(lines) + "\n").encode())
    return last - first + 1, len(lines)


def _site_batch(bounds):
    from django.db import transaction

    from articles.search.documents import refresh_documents

    first, last = bounds
    with transaction.atomic():
        return last - first + 1, refresh_documents(range(first, last + 1))


def check_fast_path(total):
    """ "" when the fast route builds exactly the site's documents, else why not."""
    from django.db import connection

    from articles.search import documents

    if documents.DocumentVector.template != KNOWN_TEMPLATE:
        return "DocumentVector changed shape"
    ids = list(range(1, total + 1, max(1, total // SAMPLE)))
    sample = list(documents.with_search_fields(documents.searchable().filter(pk__in=ids)))
    if not sample:
        return "no searchable articles"
    maker = DocumentMaker()
    rows = {row[0]: row for row in _rows([a.pk for a in sample])}
    for article in sample:
        expected = [
            e.value for e in documents.build(article, "postgresql").vector.get_source_expressions()
        ]
        a, b, rest = maker.parts(rows[article.pk])
        # B's words must match as a multiset only: its tags come in the order of taggit's
        # SELECT DISTINCT prefetch, which has no ORDER BY (PostgreSQL's plan decides).
        if (
            a != expected[0]
            or Counter(b.split()) != Counter(expected[1].split())
            or rest != set(expected[2].split(" ")) - {""}
        ):
            return f"the parts differ from build() for article {article.pk}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT %s::tsvector = ({KNOWN_TEMPLATE})",
                [maker.literal(rows[article.pk]), a, b, " ".join(rest)],
            )
            if not cursor.fetchone()[0]:
                return f"the tsvector literal differs for article {article.pk}"
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
        "route": "rows + memoised pieces + COPY"
        if not problem
        else f"refresh_documents ({problem})",
        "build_s": round(indexed - started, 1),
        "gin_s": round(time.monotonic() - indexed, 1),
    }
