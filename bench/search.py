"""Search benchmark on PostgreSQL: indexing throughput, index size and query latency.

    python -m bench.search --articles 1000000 [--database-url URL] [--reset] [--repeat 15]
    python -m bench.search --database-url URL --command-workers 1,2   # the site's command

Loads N articles into a dedicated database (default np_bench_search; `bench.generate`
streams them in with COPY), builds their search documents with the site's own writer
(`refresh_documents`, in parallel batches, GIN index built once at the end), then times
typical reader queries through the site's search path: parse, match and rank
(`ranked_ids`) and fetch the first page with its highlighted snippets (`results`).
Prints throughput, sizes and p50/p95 latency; --json writes them to a file.
"""

import argparse
import json
import os
import statistics
import sys
import time

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/np_bench_search"
# (kind, query): what readers type, from very common words to rare names.
QUERIES = [
    ("word", "经济"),
    ("word", "人工智能"),
    ("word", "新能源汽车"),
    ("word", "乡村振兴"),
    ("word", "防汛"),
    ("word", "高考"),
    ("word", "医保"),
    ("word", "非遗"),
    ("word", "台风"),
    ("word", "消费"),
    ("place", "温州"),
    ("place", "杭州"),
    ("place", "新疆"),
    ("place", "成都"),
    ("two words", "温州 数据"),
    ("two words", "杭州 人工智能"),
    ("two words", "新能源汽车 出口"),
    ("two words", "北京 教育"),
    ("phrase", "温州数安港"),
    ("phrase", "高质量发展"),
    ("traditional", "臺灣 颱風"),
    ("traditional", "經濟發展"),
    ("mixed", "AI 浙江 2026"),
    ("mixed", "5G 基站"),
    ("substring", "数安"),
    ("substring", "工智"),
    ("character", "茶"),
    ("rare", "南音"),
    ("rare", "村超"),
    ("none", "不存在的词语组合"),
]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def sizes(url):
    from bench import pgload

    with pgload.connect(url) as conn:
        row = conn.execute(
            """
            SELECT pg_relation_size(c.oid), pg_total_relation_size(c.reltoastrelid),
                   pg_indexes_size(c.oid), pg_total_relation_size(c.oid),
                   (SELECT pg_relation_size('search_document_vector_gin'))
            FROM pg_class c WHERE c.relname = 'articles_searchdocument'
            """
        ).fetchone()
    names = ("heap_bytes", "toast_bytes", "indexes_bytes", "total_bytes", "gin_bytes")
    return dict(zip(names, row, strict=True))


def reindex(url, workers):
    """Rebuild the documents of the articles already in the database (ids 1..max)."""
    from bench import pgload, search_fill

    with pgload.connect(url) as conn:
        total = conn.execute("SELECT max(id) FROM articles_article").fetchone()[0]
        conn.execute("TRUNCATE articles_searchdocument")
        # An interrupted fill leaves the GIN index set aside; fill() rebuilds what exists.
        conn.execute(
            "CREATE INDEX IF NOT EXISTS search_document_vector_gin"
            " ON articles_searchdocument USING gin (vector)"
        )
    searched = search_fill.fill(url, total, workers)
    with pgload.connect(url) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return {"articles": total, "search": searched}


def time_command(url, workers):
    """docs/s of the site's own `rebuild_search_index --workers N`, from an empty table."""
    from django.core.management import call_command

    from bench import pgload

    figures = {}
    for count in workers:
        with pgload.connect(url) as conn:
            conn.execute("TRUNCATE articles_searchdocument")
        started, cpu = time.monotonic(), time.process_time()
        call_command("rebuild_search_index", workers=count, verbosity=0)
        seconds = time.monotonic() - started
        with pgload.connect(url) as conn:
            written = conn.execute("SELECT count(*) FROM articles_searchdocument").fetchone()[0]
        figures[count] = {
            "documents": written,
            "seconds": round(seconds, 1),
            "docs_per_s": round(written / seconds),
            "parent_cpu_s": round(time.process_time() - cpu, 1),
        }
        log_line = f"rebuild_search_index --workers {count}: {written:,} documents in "
        print(f"{log_line}{seconds:.1f} s ({written / seconds:,.0f}/s)", file=sys.stderr)
    return figures


def time_queries(repeat):
    """{query: [seconds, ...]} for each query and variant, after one warm-up run each."""
    from articles.search.engine import Search, ranked_ids
    from articles.search.query import parse
    from articles.search.views import PAGE_SIZE, results

    def run(search):
        started = time.perf_counter()
        ids = ranked_ids(search)
        results(ids[:PAGE_SIZE], search.query.highlights)
        return time.perf_counter() - started, len(ids)

    timings, found = {}, {}
    variants = [(kind, text, False) for kind, text in QUERIES]
    variants += [("newest first", text, True) for _, text in QUERIES[:6]]
    for kind, text, newest in variants:
        search = Search(parse(text), newest_first=newest)
        run(search)
        runs = [run(search) for _ in range(repeat)]
        key = f"{text}{' (newest)' if newest else ''}"
        timings[key] = (kind, [seconds for seconds, _ in runs])
        found[key] = runs[0][1]
    return timings, found


def report(info, sized, timings, found):
    search = info.get("search", {})
    documents, gin_s = search.get("documents"), search.get("gin_s")
    index_s = search.get("build_s") or search.get("index_s")  # bench.search_fill names vary
    lines = [f"articles: {info['articles']:,}"]
    if documents and index_s:
        lines.append(
            f"documents: {documents:,} written in {index_s} s ({documents / index_s:,.0f}/s); "
            f"GIN index built in {gin_s} s; overall {documents / (index_s + gin_s):,.0f} articles/s"
        )
    mb = {k: v / 2**20 for k, v in sized.items() if v is not None}
    lines.append(
        "sizes (MiB): " + ", ".join(f"{k.removesuffix('_bytes')} {v:,.0f}" for k, v in mb.items())
    )
    every = [s for _, runs in timings.values() for s in runs]
    lines.append(
        f"latency over {len(every)} searches: p50 {percentile(every, 0.5) * 1000:.1f} ms, "
        f"p95 {percentile(every, 0.95) * 1000:.1f} ms, max {max(every) * 1000:.1f} ms"
    )
    for key, (kind, runs) in timings.items():
        p50, p95 = statistics.median(runs) * 1000, percentile(runs, 0.95) * 1000
        lines.append(
            f"  {kind:12} {key:22} {found[key]:>5} hits  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", "-n", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_SEARCH_DATABASE_URL", DEFAULT_URL),
        help="a dedicated database whose name contains 'bench' (default: %(default)s)",
    )
    parser.add_argument("--workers", type=int, default=2, help="parallel loading processes")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per query")
    parser.add_argument("--reset", action="store_true", help="reload even if already loaded")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the articles already loaded; rebuild only the search documents",
    )
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="time queries on the documents already built (no loading or indexing)",
    )
    parser.add_argument(
        "--command-workers",
        help="time the site's rebuild_search_index with these worker counts (e.g. 1,2) "
        "on the articles already loaded, then stop",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.articles < 1 or args.repeat < 1:
        parser.error("--articles and --repeat must be at least 1")

    from bench.generate import generate, log, setup_django

    setup_django(args.database_url)
    if args.command_workers:
        workers = [int(n) for n in args.command_workers.split(",")]
        figures = time_command(args.database_url, workers)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as handle:
                json.dump({"rebuild_search_index": figures}, handle, indent=2)
        return 0
    if args.queries_only:
        info = {"articles": args.articles}
    elif args.reuse:
        info = reindex(args.database_url, args.workers)
    else:
        info = generate(args.database_url, args.articles, workers=args.workers, reset=args.reset)
    log("timing queries")
    timings, found = time_queries(args.repeat)
    sized = sizes(args.database_url)
    print(report(info, sized, timings, found), flush=True)
    if args.json:
        every = [s for _, runs in timings.values() for s in runs]
        figures = {
            "articles": info["articles"],
            "search": info.get("search"),
            "timings": info.get("timings"),
            "sizes": sized,
            "p50_ms": percentile(every, 0.5) * 1000,
            "p95_ms": percentile(every, 0.95) * 1000,
            "queries": {
                k: {"kind": kind, "hits": found[k], "runs_ms": [s * 1000 for s in runs]}
                for k, (kind, runs) in timings.items()
            },
        }
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, ensure_ascii=False, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
