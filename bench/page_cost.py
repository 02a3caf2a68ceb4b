"""What one uncached article page costs the machine: the Python process and PostgreSQL.

    python -m bench.page_cost --database-url …/np_bench_1m [--requests 1000] [--json out.json]

Renders the throughput benchmark's article page in-process (Django's test Client,
production settings, every cache off as in bench.throughput's uncached run) and reads the
CPU time of this process and of its PostgreSQL backend (from /proc: the server must run on
this machine) over the requests. Their sum is a floor for the page under gunicorn, which
adds its own HTTP handling; `wrk` against a bare WSGI app under the same gunicorn
settings measures that part (see bench/README.md).
"""

import argparse
import json
import os
import time
from pathlib import Path

from bench import servers
from bench.throughput import article_paths, log


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    page = article_paths(args.database_url)[0]
    # The uncached gunicorn run's settings, in this process (the test Client's host).
    env = servers.production_env(args.database_url, "bench.settings_uncached", port=0)
    os.environ.clear()
    os.environ.update(env | {"DJANGO_ALLOWED_HOSTS": "testserver"})
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for _ in range(50):  # warm: compiled templates and queries, prepared statements
        response = client.get(page)
    if response.status_code != 200:
        raise SystemExit(f"{page} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(page)
    queries = len(captured)  # now: the next request's start empties the log
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    wall, python, server = time.perf_counter(), time.process_time(), servers.process_cpu([backend])
    for _ in range(args.requests):
        client.get(page)
    per_page = {
        "wall_ms": (time.perf_counter() - wall) * 1000 / args.requests,
        "python_cpu_ms": (time.process_time() - python) * 1000 / args.requests,
        "postgresql_cpu_ms": (servers.process_cpu([backend]) - server) * 1000 / args.requests,
    }
    result = {
        "page": page,
        "queries": queries,
        "requests": args.requests,
        **{name: round(value, 3) for name, value in per_page.items()},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    log(
        f"{page}: {queries} queries; per page {per_page['python_cpu_ms']:.2f} ms Python "
        f"CPU, {per_page['postgresql_cpu_ms']:.2f} ms PostgreSQL CPU "
        f"({per_page['wall_ms']:.2f} ms wall)"
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
