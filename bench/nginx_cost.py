"""nginx CPU per request: a static file against a hit in the shipped proxy cache.

    python -m bench.nginx_cost --database-url …/np_bench_1m [--seconds 8] [--rounds 2]

The throughput ratios compare requests per second, which wrk (on the same cores) and the
machine's other work blur. This measures what nginx itself spends on one request: its
workers' CPU time (utime + stime from /proc) over a wrk run, divided by the requests
served. Four servers answer the same article page: nginx serving its bytes as a static
file (as static_limit.sh does: sendfile, open_file_cache, no log), the shipped
deploy/nginx.conf in front of gunicorn (every request a cache hit after the warm-up), the
same without its access log, and also without the headers it adds to each response
(X-Cache, X-Request-ID): what a proxy-cache hit costs with nothing of ours on top.
Rounds alternate so that drift hits all of them alike.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench import servers
from bench.throughput import article_paths, log, warm

SHIPPED = servers.REPO / "deploy/nginx.conf"


def static_config(root, port, workdir):
    # What static_limit.sh serves: the bytes from disk, descriptors kept, no log.
    return servers.standalone_config(
        workdir,
        f"""
    access_log off;
    open_file_cache max=16 inactive=60s;
    default_type "text/html; charset=utf-8";
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files /index.html =404; }}
    }}
""",
    )


def measure(master_pid, url, seconds):
    """(req/s, nginx CPU µs a request) of one wrk run against `url`."""
    workers = servers.children(master_pid)
    before = servers.process_cpu(workers)
    out = subprocess.run(  # noqa: S603 - wrk on loopback
        ["/usr/bin/wrk", "-t2", "-c64", f"-d{seconds}s", url],
        capture_output=True, text=True, check=True, timeout=seconds + 30,
    ).stdout  # fmt: skip
    spent = servers.process_cpu(workers) - before
    served = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rps, spent / served * 1e6


class StaticNginx:
    def __init__(self, body, workdir):
        self.workdir = Path(workdir)
        self.body, self.port, self.process = body, servers.free_port(), None

    def __enter__(self):
        (self.workdir / "www").mkdir(parents=True)
        (self.workdir / "tmp").mkdir()
        for directory in (self.workdir, self.workdir / "www"):
            os.chmod(directory, 0o755)  # noqa: S103 - nginx workers run as nobody
        (self.workdir / "www/index.html").write_bytes(self.body)
        conf = self.workdir / "nginx.conf"
        conf.write_text(static_config(self.workdir / "www", self.port, self.workdir))
        self.process = subprocess.Popen(  # noqa: S603 - the system nginx
            [servers.NGINX, "-p", str(self.workdir), "-c", str(conf), "-g", "daemon off;"]
        )
        try:
            servers.wait_until_up(f"http://127.0.0.1:{self.port}/")
        except RuntimeError:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


def without_access_log(text):
    return re.sub(r"access_log\s+/\S+[^;]*;", "access_log off;", text)


def without_added_headers(text):
    return re.sub(r"add_header\s+X-(?:Cache|Request-ID)\s[^;]*;", "", text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    page = article_paths(args.database_url)[0]
    work = Path(tempfile.mkdtemp(prefix="np-nginx-cost-"))
    os.chmod(work, 0o755)  # noqa: S103 - nginx workers run as nobody
    env = servers.production_env(
        args.database_url, "newsportal.settings", servers.free_port(),
        redis_url=os.environ.get("REDIS_URL", ""),
    )  # fmt: skip
    servers.collectstatic(env)
    shipped = SHIPPED.read_text(encoding="utf-8")
    bare = "proxy cache, no access log, no added headers"
    runs = {
        "static file": [],
        "shipped proxy cache": [],
        "proxy cache, no access log": [],
        bare: [],
    }
    with servers.Gunicorn(env, work / "gunicorn.log") as app:
        body = servers.fetch(app.base + page)[2]
        with StaticNginx(body, work / "static") as static:
            for round_number in range(args.rounds):
                runs["static file"].append(
                    measure(static.process.pid, f"http://127.0.0.1:{static.port}/", args.seconds)
                )
                for name, text in (
                    ("shipped proxy cache", shipped),
                    ("proxy cache, no access log", without_access_log(shipped)),
                    (bare, without_added_headers(without_access_log(shipped))),
                ):
                    workdir = work / f"proxy-{round_number}-{len(name)}"
                    with servers.Nginx(app.port, workdir, shipped=text) as proxy:
                        warm(proxy.base, [page])
                        runs[name].append(
                            measure(proxy.process.pid, proxy.base + page, args.seconds)
                        )
                log(f"round {round_number + 1}: " + ", ".join(
                    f"{name} {found[-1][0]:,.0f} req/s {found[-1][1]:.1f} µs"
                    for name, found in runs.items()
                ))  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    summary = {
        name: {
            "rps": [round(rps) for rps, _ in found],
            "cpu_us_per_request": [round(us, 1) for _, us in found],
        }
        for name, found in runs.items()
    }
    summary["page"] = page
    summary["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
