"""Fill a dedicated PostgreSQL database with N realistic articles, fast.

    python -m bench.generate --articles 1000000 [--database-url URL] [--reset] [--workers 2]

The database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/np_bench; its
name must contain "bench", since it is dropped and recreated) is migrated with Django,
then the small tables (authors, tags, photos) are written, the indexes and foreign keys of
the big ones are set aside, the articles and their bylines, tags, inline photos, daily
reads and corrections are streamed in with COPY by parallel workers, and the indexes are
rebuilt. A `bench_load` row records what was loaded: running again with the same
arguments is a no-op, and an interrupted or different load is dropped and redone.
"""

import argparse
import json
import multiprocessing
import os
import random
import sys
import time
from datetime import UTC, datetime

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/np_bench"
GENERATOR_VERSION = 1
CHUNK = 5000
WRITERS, PHOTOGRAPHERS, EDITORS, TAGS, PHOTOS = 1500, 200, 60, 3000, 4000
BIG_TABLES = (
    "articles_article",
    "articles_taggedarticle",
    "articles_byline",
    "articles_articlephoto",
    "articles_dailyreads",
    "articles_correction",
)
SMALL_TABLES = ("articles_author", "articles_tag", "articles_photo")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def setup_django(url):
    """Point Django at the bench database (and nothing else) before it reads settings."""
    os.environ["DATABASE_URL"] = url
    os.environ.pop("DATABASE_REPLICA_URLS", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
    import django

    django.setup()


def load_state(url):
    """The recorded load as a dict, or None when there is none; "foreign" if not ours."""
    from bench import pgload

    if not pgload.database_exists(url):
        return None
    with pgload.connect(url) as conn:
        has_meta = conn.execute("SELECT to_regclass('bench_load') IS NOT NULL").fetchone()[0]
        if has_meta:
            row = conn.execute("SELECT info FROM bench_load ORDER BY id DESC LIMIT 1").fetchone()
            return row[0] if row else {}
        has_articles = conn.execute(
            "SELECT to_regclass('articles_article') IS NOT NULL"
        ).fetchone()[0]
        if (
            has_articles
            and conn.execute("SELECT EXISTS (SELECT 1 FROM articles_article)").fetchone()[0]
        ):
            return "foreign"
    return None


def small_tables(conn, seed, now):
    """Authors, tags and photos; returns the ids the article generator draws from."""
    from pypinyin import lazy_pinyin

    from bench import fake, pgload
    from bench import vocabulary as v

    rng = random.Random(f"{seed}-small")
    regions = conn.execute(
        "SELECT id, COALESCE(parent_id, id), name FROM articles_region ORDER BY position, id"
    ).fetchall()
    if not regions:
        raise SystemExit("no regions: the regions migration (0003) did not load them")
    rng.shuffle(regions)
    names = fake.person_names(rng, WRITERS + PHOTOGRAPHERS + EDITORS)
    rng.shuffle(names)
    authors, slugs = [], set()
    for author_id, name in enumerate(names, start=1):
        slug = "-".join(lazy_pinyin(name))
        while slug in slugs:
            slug += f"-{author_id}"
        slugs.add(slug)
        kind = (
            "writer"
            if author_id <= WRITERS
            else "photographer"
            if author_id <= WRITERS + PHOTOGRAPHERS
            else "editor"
        )
        authors.append(
            f"{author_id}\t{name}\t{slug}\t\t\t{'t' if kind == 'writer' else 'f'}\t"
            f"{'t' if kind == 'photographer' else 'f'}\t{'t' if kind == 'editor' else 'f'}"
        )
    pgload.copy_lines(
        conn,
        "articles_author",
        ("id", "name", "slug", "bio", "photo", "is_reporter", "is_photographer", "is_editor"),
        authors,
    )
    from django.utils.text import slugify

    tag_rows, tag_slugs = [], set()
    for tag_id, name in enumerate(fake.tag_names(rng, TAGS, [r[2] for r in regions]), start=1):
        slug = slugify(name, allow_unicode=True) or f"tag-{tag_id}"
        while slug in tag_slugs:
            slug += f"-{tag_id}"
        tag_slugs.add(slug)
        tag_rows.append(f"{tag_id}\t{name}\t{slug}")
    pgload.copy_lines(conn, "articles_tag", ("id", "name", "slug"), tag_rows)

    photo_rows = []
    uploaded = datetime.fromtimestamp(now, UTC).isoformat()
    for photo_id in range(1, PHOTOS + 1):
        image = photo_id % fake.IMAGE_NAMES
        stem = f"photos/bench/bench-{image:02d}"
        renditions = {
            fmt: {
                str(w): f"{stem}-{w}.{fmt if fmt == 'webp' else 'jpg'}"
                for w in (320, 640, 1024, 1600)
            }
            for fmt in ("webp", "jpeg")
        }
        caption = rng.choice(v.PHOTO_CAPTIONS)
        photo_rows.append(
            f"{photo_id}\t{stem}.jpg\t2400\t1600\t{caption}。\t{rng.choice(v.PHOTO_ALTS)}\t"
            f"{uploaded[:10]}\t{json.dumps(renditions)}\t{uploaded}\t"
            f"{WRITERS + 1 + rng.randrange(PHOTOGRAPHERS)}"
        )
    pgload.copy_lines(
        conn,
        "articles_photo",
        ("id", "image", "width", "height", "caption", "alt_text", "taken_on", "renditions",
         "uploaded_at", "photographer_id"),
        photo_rows,
    )  # fmt: skip
    return dict(
        regions=regions,
        writer_ids=list(range(1, WRITERS + 1)),
        photographer_ids=list(range(WRITERS + 1, WRITERS + PHOTOGRAPHERS + 1)),
        editor_ids=list(range(WRITERS + PHOTOGRAPHERS + 1, WRITERS + PHOTOGRAPHERS + EDITORS + 1)),
        tag_ids=list(range(1, TAGS + 1)),
        photo_ids=list(range(1, PHOTOS + 1)),
    )


# --- the parallel article load ---------------------------------------------------------

_worker = {}


def _init_worker(url, lookups, seed):
    from bench import fake, pgload

    _worker["conn"] = pgload.connect(url)
    _worker["maker"] = fake.ChunkMaker(fake.Lookups(**lookups), seed)


def _load_chunk(bounds):
    from bench import fake, pgload

    first, last = bounds
    began = time.monotonic()
    rows = _worker["maker"].rows(first, last)
    made = time.monotonic()
    conn = _worker["conn"]
    targets = {
        "article": ("articles_article", fake.ARTICLE_COLUMNS),
        "byline": ("articles_byline", fake.BYLINE_COLUMNS),
        "tagged": ("articles_taggedarticle", fake.TAGGED_COLUMNS),
        "photo": ("articles_articlephoto", fake.ARTICLE_PHOTO_COLUMNS),
        "reads": ("articles_dailyreads", fake.DAILY_READS_COLUMNS),
        "correction": ("articles_correction", fake.CORRECTION_COLUMNS),
    }
    with conn.transaction():
        for key, (table, columns) in targets.items():
            pgload.copy_lines(conn, table, columns, rows[key])
    counts = {key: len(lines) for key, lines in rows.items()}
    counts |= {"generate_s": made - began, "copy_s": time.monotonic() - made}
    return last - first + 1, counts


def load_articles(url, total, lookups, seed, workers):
    from tqdm import tqdm

    chunks = [(first, min(first + CHUNK - 1, total)) for first in range(1, total + 1, CHUNK)]
    counts = {}
    context = multiprocessing.get_context("fork")
    bar = tqdm(total=total, unit="art", disable=not sys.stderr.isatty(), smoothing=0.1)
    loaded, next_log = 0, 0.1
    with context.Pool(workers, _init_worker, (url, lookups, seed)) as pool:
        for done, chunk_counts in pool.imap_unordered(_load_chunk, chunks):
            bar.update(done)
            loaded += done
            for key, value in chunk_counts.items():
                counts[key] = counts.get(key, 0) + value
            if bar.disable and loaded / total >= next_log:
                # Without a terminal (a background run), a log line per tenth instead.
                log(f"  {loaded:,}/{total:,} articles")
                next_log += 0.1
    bar.close()
    return counts


# --- the whole load --------------------------------------------------------------------


def generate(url, total, seed=1, workers=2, reset=False, search=True):
    """Load `total` articles into the database at `url`; returns the timings dict."""
    from bench import fake, pgload, search_fill

    if "bench" not in pgload.database_name(url):
        raise SystemExit(
            f"refusing to use {pgload.database_name(url)!r}: the name must contain 'bench'"
        )
    fake.check_copy_safe()
    wanted = {"articles": total, "seed": seed, "version": GENERATOR_VERSION}
    state = load_state(url)
    if state == "foreign":
        raise SystemExit("the database holds articles that bench did not load; pick another name")
    if (
        not reset
        and isinstance(state, dict)
        and state.get("complete")
        and all(state.get(k) == v for k, v in wanted.items())
    ):
        if search and "documents" not in (state.get("search") or {}):
            return add_search(url, total, workers, state)
        name = pgload.database_name(url)
        log(f"{name} already holds this load ({total:,} articles); --reset to redo")
        return state
    timings, started = {}, time.monotonic()

    def phase(name, since):
        timings[name] = round(time.monotonic() - since, 1)
        log(f"{name}: {timings[name]} s")
        return time.monotonic()

    t = time.monotonic()
    pgload.recreate_database(url)
    call_command_migrate()
    t = phase("migrate", t)
    now = time.time()
    with pgload.connect(url) as conn:
        conn.execute("CREATE TABLE bench_load (id serial PRIMARY KEY, info jsonb NOT NULL)")
        conn.execute("INSERT INTO bench_load (info) VALUES (%s)", [json.dumps(wanted)])
        lookups = small_tables(conn, seed, now)
        saved = pgload.saved_definitions(conn, BIG_TABLES)
        pgload.set_aside(conn, saved)
    lookups |= {"total": total, "now": now}
    t = phase("small tables", t)
    log(f"loading {total:,} articles with {workers} workers")
    counts = load_articles(url, total, lookups, seed, workers)
    t = phase("copy", t)
    pgload.rebuild(url, saved, workers=workers, largest_first=BIG_TABLES)
    t = phase("indexes and keys", t)
    with pgload.connect(url) as conn:
        pgload.reset_sequences(conn, BIG_TABLES + SMALL_TABLES)
        # Without statistics the search fill's article query probes every tag for every
        # article: 83 documents/s instead of ~600 at a million.
        conn.execute("ANALYZE")
    searched = search_fill.fill(url, total, workers) if search else {"skipped": "--no-search"}
    t = phase("search documents", t)
    with pgload.connect(url) as conn:
        # VACUUM sets the visibility map, so count queries can use index-only scans.
        conn.execute("VACUUM (ANALYZE)")
    t = phase("vacuum analyze", t)
    timings["total"] = round(time.monotonic() - started, 1)
    info = wanted | {
        "complete": True,
        "rows": counts,
        "search": searched,
        "timings": timings,
        "generated_at": datetime.fromtimestamp(now, UTC).isoformat(),
        "workers": workers,
    }
    with pgload.connect(url) as conn:
        conn.execute("INSERT INTO bench_load (info) VALUES (%s)", [json.dumps(info)])
    log(f"loaded {total:,} articles in {timings['total']} s: {counts}")
    return info


def add_search(url, total, workers, state):
    """Fill the search documents of a load that was made without them."""
    from bench import pgload, search_fill

    call_command_migrate()
    started = time.monotonic()
    searched = search_fill.fill(url, total, workers)
    log(f"search documents: {round(time.monotonic() - started, 1)} s: {searched}")
    with pgload.connect(url) as conn:
        conn.execute("VACUUM (ANALYZE) articles_searchdocument")
    state = state | {"search": searched}
    state["timings"] = state.get("timings", {}) | {"search documents": searched.get("build_s")}
    with pgload.connect(url) as conn:
        conn.execute("INSERT INTO bench_load (info) VALUES (%s)", [json.dumps(state)])
    return state


def call_command_migrate():
    """Apply migrations added since the load (a new index, the search table…)."""
    from django.core.management import call_command

    call_command("migrate", skip_checks=True, verbosity=0, interactive=False)


def dry_run(total, seed):
    """Print the plan and three sample articles without touching a database."""
    from bench import fake

    regions = [(1, 1, "北京"), (2, 2, "浙江"), (3, 2, "温州")]
    lookups = fake.Lookups(
        regions=regions, writer_ids=[1, 2, 3], photographer_ids=[4], editor_ids=[5],
        tag_ids=list(range(1, 50)), photo_ids=[1, 2], total=max(total, 3), now=time.time(),
    )  # fmt: skip
    rows = fake.ChunkMaker(lookups, seed).rows(1, 3)
    for line in rows["article"]:
        fields = dict(zip(fake.ARTICLE_COLUMNS, line.split("\t"), strict=True))
        body = fields["body"]
        print(f"{fields['id']} {fields['status']} {fields['publish_at']} {fields['title']}")
        print(f"   {len(body)} chars of HTML: {body[:80]}…")
    print(f"would load {total:,} articles (+ bylines, tags, photos, reads) in chunks of {CHUNK}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", "-n", type=int, default=10_000, help="how many articles")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        help="a dedicated database; its name must contain 'bench' (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="parallel COPY processes")
    parser.add_argument("--reset", action="store_true", help="drop and reload even if loaded")
    parser.add_argument("--dry-run", action="store_true", help="show samples, write nothing")
    parser.add_argument("--no-search", action="store_true", help="leave search documents empty")
    parser.add_argument("--json", help="also write the load's record to this file")
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    if args.dry_run:
        setup_django("sqlite://:memory:")
        dry_run(args.articles, args.seed)
        return
    setup_django(args.database_url)
    info = generate(
        args.database_url, args.articles, args.seed, args.workers, args.reset, not args.no_search
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(info, handle, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
