"""A WSGI app that answers every request with one file's bytes: gunicorn's own ceiling.

bench.throughput runs it under the shipped gunicorn settings with the article page's
bytes (`BENCH_BARE_BODY`, a file path): what no Django page, cached or not, can beat.
"""

import os
from pathlib import Path

BODY = Path(os.environ["BENCH_BARE_BODY"]).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
