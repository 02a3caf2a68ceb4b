"""Building and writing search documents from articles.

`refresh_documents(ids)` is the one writer: it (re)builds the documents of the given
articles that are searchable and deletes the others, in a fixed number of queries however
many ids it is given. The save receivers use it, and `rebuild_search_index` its id-range
twin `refresh_range`.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchVectorField
from django.db import connection, models
from django.db.models import Func, Prefetch, Q, Value
from django.utils import timezone

from articles.models import Article, Byline, SearchDocument
from articles.search import text as search_text


class DocumentVector(Func):
    """Title (A) and subtitle, summary, people, tags and places (B) through the `simple`
    configuration with positions; body words, grams and filter keys without them.

    PostgreSQL's parser costs ~4 ms for a 1,000-character body, and positions would double
    the body's share of the vector; unpositioned lexemes rank at weight D instead of C.
    """

    template = (
        "setweight(to_tsvector('simple'::regconfig, %s), 'A') || "
        "setweight(to_tsvector('simple'::regconfig, %s), 'B') || "
        "array_to_tsvector(string_to_array(%s, ' '))"
    )
    output_field = SearchVectorField()

    def __init__(self, a, b, rest):
        super().__init__(*(Value(part, output_field=models.TextField()) for part in (a, b, rest)))

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, part_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(part_params)
        return self.template % tuple(parts), params


def month_key(moment):
    """The filter key of a publish time's month (China time): @m202611."""
    return timezone.localtime(moment).strftime("@m%Y%m")


def filter_keys(article):
    """Lexemes that let GIN itself narrow by month, place and tag (see engine.py)."""
    keys = {month_key(article.publish_at)}
    if article.dateline_region_id:
        keys.add(f"@r{article.dateline_region_id}")
    if article.province_id:
        keys.add(f"@p{article.province_id}")
    keys.update(f"@t{tag.pk}" for tag in article.tags.all())
    return keys


@dataclass
class Fields:
    """An article's text in three weights: A title; B subtitle, summary, people, tags and
    places; C body."""

    a: str
    b: str
    c: str

    @classmethod
    def of(cls, article):
        region = article.dateline_region
        places = []
        if region is not None:
            places += [region.name, region.full_name]
            if region.parent is not None:
                places += [region.parent.name, region.parent.full_name]
        people = [byline.author.name for byline in article.bylines.all()]
        tags = [tag.name for tag in article.tags.all()]
        b = " ".join([article.subtitle, article.summary, *people, *tags, *places])
        c = search_text.html_to_text(article.body)
        return cls(article.title, b, c[: search_text.MAX_INDEXED_CHARS])


def build(article, vendor=None):
    """An unsaved SearchDocument for a searchable article."""
    fields = Fields.of(article)
    normalized = [search_text.normalize(part) for part in (fields.a, fields.b, fields.c)]
    words = [search_text.tokens(part) for part in normalized]
    document = SearchDocument(article_id=article.pk, publish_at=article.publish_at)
    if (vendor or connection.vendor) == "postgresql":
        all_words = set().union(*words)
        # Grams only for the short fields: in the body they would triple the vector.
        grams = search_text.grams(normalized[0], all_words)
        grams |= search_text.grams(normalized[1], all_words)
        rest = set(words[2]) | grams | filter_keys(article)
        document.vector = DocumentVector(" ".join(words[0]), " ".join(words[1]), " ".join(rest))
    else:
        document.text = "\n".join(
            f" {' '.join(w)} | {part}" for w, part in zip(words, normalized, strict=True)
        )
    return document


def searchable(now=None):
    """Articles that get a document: published (possibly scheduled), not retracted or
    expired. Whether a reader may see one *now* is decided at query time."""
    now = now or timezone.now()
    return Article.objects.filter(
        status=Article.Status.PUBLISHED, publish_at__isnull=False, retracted_at__isnull=True
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def with_search_fields(queryset):
    """Everything `build` reads, in three queries however many articles."""
    return queryset.select_related("dateline_region__parent").prefetch_related(
        Prefetch("bylines", queryset=Byline.objects.select_related("author")), "tags"
    )


def write(documents):
    """Insert or update documents in one statement."""
    if documents:
        SearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["article"],
            update_fields=["publish_at", "vector", "text", "updated_at"],
        )


def refresh_range(first, last):
    """Rebuild the documents of articles first..last (ids); returns (articles, written).

    The range, not a list of ids, is the unit of `rebuild_search_index`: workers take
    ranges independently, and documents of articles gone from the range go with them.
    """
    in_range = Article.objects.filter(pk__range=(first, last))
    articles = list(with_search_fields(searchable().filter(pk__range=(first, last))))
    write([build(article) for article in articles])
    SearchDocument.objects.filter(article__gte=first, article__lte=last).exclude(
        pk__in=[article.pk for article in articles]
    ).delete()
    return in_range.count(), len(articles)


def refresh_documents(ids):
    """Bring the documents of these articles up to date; returns how many were written."""
    ids = set(ids)
    if not ids:
        return 0
    articles = list(with_search_fields(searchable().filter(pk__in=ids)))
    write([build(article) for article in articles])
    stale = ids - {article.pk for article in articles}
    if stale:
        SearchDocument.objects.filter(pk__in=stale).delete()
    return len(articles)
