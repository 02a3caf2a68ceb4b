"""Where a page's time goes: its queries, slowest first, with their PostgreSQL plans.

    python -m bench.explain --database-url postgres://…/np_bench_1m /latest/ /tag/经济/

Renders each path once with the cache off (as bench.latency does), then runs
EXPLAIN (ANALYZE, BUFFERS) on its slowest queries three times and keeps the fastest run:
on a shared machine the minimum is the figure least distorted by other work.
"""

import argparse
import sys
from urllib.parse import quote

from bench import latency


def explain(sql, runs=3):
    """(best execution ms, plan text) of the fastest of `runs` EXPLAIN ANALYZE runs."""
    from django.db import connection

    best = None
    for _ in range(runs):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        ms = float(plan[-1].split(":")[1].split()[0])
        if best is None or ms < best[0]:
            best = (ms, "\n".join(plan))
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--top", type=int, default=2, help="queries to explain per page")
    parser.add_argument("--plans", action="store_true", help="print the whole plans")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    latency.setup_django(args.database_url)

    from django.db import connection
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        override_settings,
        setup_test_environment,
    )

    setup_test_environment()
    with override_settings(CACHES=latency.cache_settings("off")):
        client = Client()
        for path in args.paths:
            path = quote(path, safe="/?=&")
            client.get(path)
            with CaptureQueriesContext(connection) as captured:
                status = client.get(path).status_code
            queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
            print(f"## {path}: HTTP {status}, {len(queries)} queries")
            for query in queries[: args.top]:
                ms, plan = explain(query["sql"])
                print(f"- {ms:.1f} ms (best of 3): {query['sql'][:160]}…")
                if args.plans:
                    print(plan)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
