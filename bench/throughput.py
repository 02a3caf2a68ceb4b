"""Article pages per second under load: gunicorn uncached, Django-cached, and behind nginx.

    python -m bench.throughput --database-url postgres://…/np_bench_1m [--seconds 10]

gunicorn runs deploy/gunicorn.conf.py in production settings with 2 workers on a free
loopback port; wrk runs in its own process through /work/shared/tools/static_limit.sh,
which serves the same page as a static file from a private nginx in the same run, so
each figure comes with its own ceiling and ratio. Three runs:

1. uncached: bench.settings_uncached (DummyCache: page and sidebars rendered each time);
2. Django-cached: the normal settings with Redis (REDIS_URL) or the local-memory cache;
   then the same server with a `messages` cookie, which skips the page cache but not the
   cached sidebars (what staff and readers with a pending message get);
3. nginx: the shipped deploy/nginx.conf (its proxy cache) in front of run 2's gunicorn.

Also: one uncached run rotating over 200 different articles (load_urls.sh), and the
resident memory (RSS and PSS) of each gunicorn worker after its runs.
"""

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from bench import servers

TOOLS = Path(os.environ.get("JUDGES_TOOLS", "/work/shared/tools"))
TARGETS = {"uncached": 0.01, "django_cached": 0.06, "nginx_cached": 0.8}


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def article_paths(database_url, count=200):
    """Paths of recent listed articles with a lead photo, the first being the benchmark page."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            """
            SELECT id, slug FROM articles_article
            WHERE status = 'published' AND publish_at <= now() AND retracted_at IS NULL
              AND (expires_at IS NULL OR expires_at > now())
            ORDER BY publish_at DESC, id DESC LIMIT %s
            """,
            [count * 5],
        ).fetchall()
    # Every fifth: spread over the last few days' articles, not one burst.
    return [f"/a/{pk}/{quote(slug)}/" if slug else f"/a/{pk}/" for pk, slug in rows[::5]]


def run_tool(*args, env=None):
    result = subprocess.run(  # noqa: S603 - the shared judges, loopback URLs
        [str(TOOLS / args[0]), *map(str, args[1:])],
        capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(lines[-1])


def report(name, results):
    run = results[name]
    cpu = f", {run['cpu_ms_per_request']} ms CPU a request" if "cpu_ms_per_request" in run else ""
    log(f"   {run['app']['rps']} req/s, {run['ratio_app_to_static']} of the static ceiling{cpu}")


def gunicorn_cpu_seconds(gunicorn):
    """CPU time (user + system) of gunicorn's workers so far, counting the workers it has
    already replaced (max_requests): those are in the master's children's times."""
    tick = os.sysconf("SC_CLK_TCK")

    def times(pid, first):
        # Fields after the ")" that ends the command name; utime is field 14 of stat(5).
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[first - 3]) + int(fields[first - 2])) / tick

    total = times(gunicorn.process.pid, 16)  # cutime + cstime
    for pid in gunicorn.workers():
        # A worker replaced meanwhile is counted in the master's children's times instead.
        with contextlib.suppress(OSError):
            total += times(pid, 14)  # utime + stime
    return total


def measured(gunicorn, url, seconds, connections, env=None):
    """static_limit.sh against `url`, plus the workers' CPU milliseconds per request (the
    static half of the run leaves gunicorn idle, so all its CPU went to the app's half)."""
    before = gunicorn_cpu_seconds(gunicorn)
    result = run_tool("static_limit.sh", url, seconds, connections, env=env)
    used = gunicorn_cpu_seconds(gunicorn) - before
    requests = result["app"]["rps"] * seconds
    if requests:
        result["cpu_ms_per_request"] = round(used * 1000 / requests, 2)
    return result


def warm(base, paths, rounds=3):
    """Fetch each page a few times so the runs measure warm workers and buffers."""
    for _ in range(rounds):
        for path in paths:
            try:
                servers.fetch(base + path, timeout=60)
            except OSError as error:  # a slow first render must not end the benchmark
                log(f"   warm-up {path}: {error}")


def sample_headers(url):
    status, headers, body = servers.fetch(url)
    keep = ("Cache-Control", "X-Page-Cache", "X-Cache", "Set-Cookie", "Content-Length")
    return {"status": status, "bytes": len(body)} | {k: headers[k] for k in keep if k in headers}


def worker_memory(gunicorn):
    return {str(pid): servers.memory_kb(pid) for pid in gunicorn.workers()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", default="")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    if not Path("/usr/bin/wrk").exists() or not Path(servers.NGINX).exists():
        subprocess.run([str(TOOLS / "install.sh"), "apt"], check=True)  # noqa: S603
    paths = article_paths(args.database_url)
    page = paths[0]
    redis_url = os.environ.get("REDIS_URL", "")
    results = {
        "label": args.label,
        "page": page,
        "seconds": args.seconds,
        "connections": args.connections,
        "workers": 2,
        "cache_backend": "redis" if redis_url else "locmem",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    work = Path(tempfile.mkdtemp(prefix="np-bench-"))
    port = servers.free_port()
    uncached_env = servers.production_env(
        args.database_url, "bench.settings_uncached", port, redis_url=""
    )
    log("collectstatic (production serves hashed files from the manifest)")
    servers.collectstatic(uncached_env)
    with open(work / "urls.txt", "w", encoding="utf-8") as handle:
        handle.write("\n".join(paths) + "\n")

    log(f"1. uncached gunicorn on :{port}")
    with servers.Gunicorn(uncached_env, work / "gunicorn-uncached.log") as app:
        warm(app.base, paths[:20], rounds=2)
        results["uncached"] = measured(app, app.base + page, args.seconds, args.connections) | {
            "headers": sample_headers(app.base + page)
        }
        report("uncached", results)
        results["uncached_200_articles"] = run_tool(
            "load_urls.sh", app.base, work / "urls.txt", args.seconds, args.connections
        )
        log(f"   200 articles: {results['uncached_200_articles']['rps']} rps")
        results["memory_uncached_kb"] = worker_memory(app)

    port = servers.free_port()
    cached_env = servers.production_env(
        args.database_url, "newsportal.settings", port, redis_url=redis_url
    )
    log(f"2. Django-cached gunicorn on :{port} ({results['cache_backend']})")
    with servers.Gunicorn(cached_env, work / "gunicorn-cached.log") as app:
        warm(app.base, [page])
        results["django_cached"] = measured(
            app, app.base + page, args.seconds, args.connections
        ) | {"headers": sample_headers(app.base + page)}
        report("django_cached", results)
        # A reader with a pending message (or staff) skips the page cache; sidebars stay cached.
        results["page_cache_bypassed"] = measured(
            app, app.base + page, args.seconds, args.connections,
            env=os.environ | {"LOAD_HEADER": "Cookie: messages=bench"},
        )  # fmt: skip
        report("page_cache_bypassed", results)
        log("3. nginx with deploy/nginx.conf in front")
        with servers.Nginx(app.port, work / "nginx") as proxy:
            warm(proxy.base, [page])
            results["nginx_cached"] = run_tool(
                "static_limit.sh", proxy.base + page, args.seconds, args.connections
            ) | {"headers": sample_headers(proxy.base + page)}
            report("nginx_cached", results)
        results["memory_cached_kb"] = worker_memory(app)
        (work / "page.html").write_bytes(servers.fetch(app.base + page)[2])

    port = servers.free_port()
    bare_env = uncached_env | {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "BENCH_BARE_BODY": str(work / "page.html"),
    }
    log(f"4. gunicorn's own ceiling: a bare WSGI app with the page's bytes on :{port}")
    with servers.Gunicorn(bare_env, work / "gunicorn-bare.log", app="bench.bare_wsgi") as app:
        results["bare_wsgi"] = measured(app, app.base + page, args.seconds, args.connections)
        report("bare_wsgi", results)
    results["targets"] = {
        name: {"target": target, "ratio": results[name]["ratio_app_to_static"],
               "met": (results[name]["ratio_app_to_static"] or 0) >= target}
        for name, target in TARGETS.items()
    }  # fmt: skip
    results["loadavg_1m_after"] = os.getloadavg()[0]
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(results["targets"], ensure_ascii=False))
    return results


if __name__ == "__main__":
    main()
