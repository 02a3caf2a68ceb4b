"""Read-counting benchmark: counted reads/s on one hot article, and page req/s counting on/off.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/np_beacon_bench \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.beacon \\
        [--seconds 10] [--workers 2] [--connections 128] [--wrk-threads 2] \\
        [--gunicorn-beacon 5] [--page-seconds 3]

1. Starts the beacon service (articles/counters/service.py, uvicorn) and drives POST
   beacons for one hot article with wrk (/usr/bin/wrk). A Lua script gives every request
   its own X-Forwarded-For address (the service runs with DJANGO_TRUSTED_PROXY_COUNT=1), so
   each is a distinct reader: the 30-minute dedupe never refuses one, and the per-address
   rate limit (its INCR still runs on every read) never trips. Browser user agents are
   cycled from a short list, as a real audience's are. At the end of the window the
   script switches to a bad page token, so the requests wrk leaves in flight when it
   stops are refused (403) and never counted: every 204 is a counted read, exactly.
2. Runs `flush_counters` and checks that view_count and DailyReads grew by exactly the
   number of 204s, and prints the CPU each counted read cost the service, wrk and Redis
   (this machine is shared: the CPU figures say what two idle cores would sustain).
3. `--gunicorn-beacon S` does the same through gunicorn and the WSGI fast path
   (articles/counters/wsgi.py), the deployment without the service, for comparison.
4. Measures article pages (gunicorn, wrk) with READ_COUNTING on and off, phases in ABBA
   order, and prints the req/s ratio and the CPU per page of each (the noise-free figure).
Every phase is bounded in time; the servers are stopped and the run's Redis keys deleted.
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.servers import process_cpu

ROOT = Path(__file__).resolve().parent.parent
ORIGIN_KEY = "bench:beacon-hot-article"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
# The beacon's WSGI fast path in front of Django, as deployed without the service.
FAST_APP = "newsportal.wsgi:application"
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Linux; U; Android 13; zh-cn; 2201123C Build/TKQ1.220829.002) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/109.0 Mobile Safari/537.36 "
    "XiaoMi/MiuiBrowser/18.3",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI",
]
# After the window wrk sends refused beacons this long, so none it leaves unanswered counted.
TAIL_SECONDS = 3
# Addresses are only header values (never contacted): 198.18.0.0/15, the benchmarking range.
ADDRESSES = 131072

# wrk's Lua (LuaJIT): args = counted path, refused path, stop time (CLOCK_MONOTONIC, like
# Python's time.monotonic), method, run tag, threads. Prints "status <code> <count>" lines.
WRK_SCRIPT = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } np_timespec;
int clock_gettime(int clock_id, np_timespec *tp);
]]
local clock = ffi.new("np_timespec")
local function monotonic()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

local agents = {AGENTS}
local threads, thread_count = {}, 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  counted_path, refused_path, stop_at = args[1], args[2], tonumber(args[3])
  method, tag, stride = args[4], args[5], tonumber(args[6])
  sent, statuses = 0, {}
end

function request()
  local n = sent * stride + id
  sent = sent + 1
  local path = counted_path
  if monotonic() >= stop_at then path = refused_path end
  local address = n % ADDRESSES
  local agent = agents[math.floor(n / ADDRESSES) % #agents + 1]
  return wrk.format(method, path, {
    ["User-Agent"] = agent .. " " .. tag,
    ["X-Forwarded-For"] = "198." .. (18 + math.floor(address / 65536)) .. "."
      .. (math.floor(address / 256) % 256) .. "." .. (address % 256),
    ["Content-Length"] = "0",
  })
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %d %d\n", status, count))
  end
  io.write(string.format("errors %d\n", summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def redis_cpu(client):
    """(Redis server CPU seconds, EVALSHA calls, µs inside EVALSHA) so far."""
    cpu = client.info("cpu")
    script = client.info("commandstats").get("cmdstat_evalsha", {})
    return (
        cpu["used_cpu_user"] + cpu["used_cpu_sys"],
        script.get("calls", 0),
        script.get("usec", 0),
    )


# --- servers --------------------------------------------------------------------------------


class Server:
    """A server process of ours on a free loopback port, in its own process group."""

    def __init__(self, env, command):
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, *command(self.port)], cwd=ROOT, env=env, start_new_session=True
        )

    def pids(self):
        return [self.process.pid, *children_of(self.process.pid)]

    def wait_ready(self, path, expect, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}{path}", timeout=2
                ) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = None
            if status == expect:
                return
            time.sleep(0.2)
        raise SystemExit("server did not answer in time")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def beacon_service(workers):
    return lambda port: [
        "-m",
        "articles.counters.service",
        f"--port={port}",
        f"--workers={workers}",
    ]


def gunicorn(threads=4, worker_class="gthread"):
    return lambda port: [
        "-m",
        "gunicorn",
        FAST_APP,
        f"--bind=127.0.0.1:{port}",
        "--workers=2",
        f"--worker-class={worker_class}",
        f"--threads={threads}",
        "--keep-alive=5",
        "--log-level=warning",
    ]


# --- wrk ------------------------------------------------------------------------------------


def write_script(directory):
    agents = ", ".join(f'"{agent}"' for agent in USER_AGENTS)
    path = Path(directory) / "beacon.lua"
    path.write_text(WRK_SCRIPT.replace("AGENTS", agents).replace("ADDRESSES", str(ADDRESSES)))
    return path


def beacon_phase(script, server, counted_path, refused_path, seconds, options, redis_client):
    """wrk against one server for `seconds` (and the refused tail): statuses and CPU split."""
    threads = options.wrk_threads
    tag = f"np-bench/{secrets.token_hex(4)}"  # a new audience each phase: no dedupe across runs
    started = time.monotonic()
    stop_at = started + seconds
    wrk = subprocess.Popen(  # noqa: S603 - fixed binary and arguments
        [
            WRK,
            f"--threads={threads}",
            f"--connections={options.connections}",
            f"--duration={int(seconds) + TAIL_SECONDS}s",
            "--timeout=5s",
            f"--script={script}",
            f"http://127.0.0.1:{server.port}/",
            "--",
            counted_path,
            refused_path,
            repr(stop_at),
            "POST",
            tag,
            str(threads),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    pids = server.pids()
    before = (process_cpu(pids), process_cpu([wrk.pid]), redis_cpu(redis_client))
    time.sleep(max(0.0, stop_at - time.monotonic()))
    # CPU over the counting window only, not the refused tail.
    after = (process_cpu(pids), process_cpu([wrk.pid]), redis_cpu(redis_client))
    elapsed = time.monotonic() - started
    output, _ = wrk.communicate(timeout=seconds + TAIL_SECONDS + 30)
    if wrk.returncode != 0 or "status " not in output:
        raise SystemExit(f"wrk failed ({wrk.returncode}): {output}")
    statuses = {
        int(code): int(count) for code, count in re.findall(r"^status (\d+) (\d+)$", output, re.M)
    }
    errors = int((re.search(r"^errors (\d+)$", output, re.M) or [0, 0])[1])
    calls = after[2][1] - before[2][1]
    cpu = {
        "server": after[0] - before[0],
        "wrk": after[1] - before[1],
        "redis": after[2][0] - before[2][0],
        "redis script": (after[2][2] - before[2][2]) / 1e6,
    }
    return statuses, errors, elapsed, cpu, calls


def report_phase(name, statuses, errors, elapsed, cpu, calls):
    counted = statuses.get(204, 0)
    if not statuses.get(403):
        print(f"{name}: WARNING no refused tail: wrk may have left counted beacons unanswered")
    others = {code: n for code, n in statuses.items() if code not in (204, 403)}
    print(
        f"{name}: {counted:,} counted reads in {elapsed:.1f}s = {counted / elapsed:,.0f}/s; "
        f"non-204: 403 {statuses.get(403, 0):,} (the refused tail after the window, by design), "
        f"other {others or 0}, socket errors {errors}"
    )
    if counted:
        per_read = {key: value / counted * 1e6 for key, value in cpu.items()}
        spent = per_read["server"] + per_read["wrk"] + per_read["redis"]
        print(
            f"{name}: CPU per counted read: server {per_read['server']:,.0f} µs, "
            f"wrk {per_read['wrk']:,.0f} µs, Redis {per_read['redis']:,.0f} µs (whole server, "
            f"shared; {cpu['redis script'] / max(calls, 1) * 1e6:,.1f} µs inside the script); "
            f"total {spent:,.0f} µs: two idle cores fit about {2e6 / spent:,.0f} reads/s, "
            f"{2e6 / (spent - per_read['wrk']):,.0f}/s without the load generator"
        )
    return counted


def page_rate(port, path, seconds, connections):
    """(req/s, non-2xx responses) for the page from wrk."""
    output = subprocess.run(  # noqa: S603 - fixed binary and arguments
        [
            WRK,
            "--threads=1",
            f"--connections={connections}",
            f"--duration={int(seconds)}s",
            "-H",
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, int(bad[1]) if bad else 0


# --- the run --------------------------------------------------------------------------------


def prepare(prefix):
    """Django in this process, a migrated database and the one hot article."""
    os.environ["CACHE_KEY_PREFIX"] = prefix
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from articles.models import Article

    call_command("migrate", verbosity=0)
    fields = {
        "title": "基准测试：热点新闻",
        "summary": "用于计数基准测试的文章。",
        "body": "<p>" + "基准测试正文。" * 200 + "</p>",
        "status": Article.Status.PUBLISHED,
        "publish_at": timezone.now() - timezone.timedelta(hours=1),
    }
    # A queryset update on later runs: nothing but these columns changes.
    if not Article.objects.filter(origin_key=ORIGIN_KEY).update(**fields):
        Article.objects.create(origin_key=ORIGIN_KEY, **fields)
    article = Article.objects.get(origin_key=ORIGIN_KEY)
    return article


def counted_totals(article):
    from articles.models import DailyReads

    article.refresh_from_db()
    daily = sum(DailyReads.objects.filter(article=article).values_list("count", flat=True))
    return article.view_count, daily


def delete_prefix(redis_url, prefix):
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="beacon window")
    parser.add_argument("--workers", type=int, default=2, help="beacon service processes")
    parser.add_argument("--connections", type=int, default=128, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--gunicorn-beacon",
        type=float,
        default=0,
        metavar="SECONDS",
        help="also time the beacon through gunicorn's WSGI fast path (no service)",
    )
    parser.add_argument("--page-seconds", type=float, default=3, help="each page round")
    parser.add_argument("--page-rounds", type=int, default=4, help="phases per mode, made even")
    parser.add_argument("--page-connections", type=int, default=32)
    options = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        raise SystemExit("REDIS_URL must point at a Redis server (the benchmark counts there).")
    if not Path(WRK).exists():
        raise SystemExit("wrk is needed: apt-get install wrk")

    prefix = f"bench-{secrets.token_hex(4)}"
    article = prepare(prefix)
    import redis
    from django.core.management import call_command
    from django.db import connections

    from articles.counters.tokens import page_token

    env = {
        **os.environ,
        "CACHE_KEY_PREFIX": prefix,
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "READ_COUNTING": "1",
        # Each request's X-Forwarded-For names its reader (see the module docstring).
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
    }
    page = article.get_absolute_url()
    counted_path = f"/e/read/{article.pk}/?t={page_token(article.pk)}"
    refused_path = f"/e/read/{article.pk}/?t=0.0"
    redis_client = redis.Redis.from_url(redis_url)
    servers = {}
    exact = True
    tmp = tempfile.TemporaryDirectory()
    try:
        print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; others' jobs count too)")
        print(
            "rate limit: on, as configured ("
            f"{env.get('RATE_LIMIT_BEACON', '120/60')} per address); every request comes from "
            "its own X-Forwarded-For address (DJANGO_TRUSTED_PROXY_COUNT=1), so the INCR runs "
            "for each read and never refuses one"
        )
        script = write_script(tmp.name)
        phases = [("beacon service", beacon_service(options.workers), options.seconds)]
        if options.gunicorn_beacon:
            phases.append(("gunicorn fast path", gunicorn(), options.gunicorn_beacon))
        for name, command, seconds in phases:
            server = servers[name] = Server(env, command)
            server.wait_ready(refused_path, expect=403)
            call_command("flush_counters", verbosity=0)
            before = counted_totals(article)
            connections.close_all()
            result = beacon_phase(
                script, server, counted_path, refused_path, seconds, options, redis_client
            )
            servers.pop(name).stop()
            counted = report_phase(name, *result)
            call_command("flush_counters", verbosity=0)
            after = counted_totals(article)
            grew = (after[0] - before[0], after[1] - before[1])
            exact = exact and grew == (counted, counted)
            print(
                f"{name}: after flush_counters view_count +{grew[0]:,}, DailyReads "
                f"+{grew[1]:,}, 204s {counted:,}: "
                f"{'EXACT' if grew == (counted, counted) else 'MISMATCH'}"
            )

        for mode in ("on", "off"):
            # Each its own cache prefix: the page cache must not serve one mode's pages
            # to the other.
            mode_env = {
                **env,
                "READ_COUNTING": "1" if mode == "on" else "0",
                "CACHE_KEY_PREFIX": f"{prefix}-{mode}",
            }
            servers[mode] = Server(mode_env, gunicorn())
        for mode in ("on", "off"):
            servers[mode].wait_ready(page, expect=200)
            # Every worker renders once (templates, connections) before anything is timed.
            page_rate(servers[mode].port, page, 1, options.page_connections)
        totals = {"on": 0.0, "off": 0.0}  # requests served
        cpu = {"on": 0.0, "off": 0.0}  # gunicorn CPU seconds
        # ABBA order, so a drift in the machine's load (other jobs) hits both modes alike.
        for mode in ("on", "off", "off", "on") * ((options.page_rounds + 1) // 2):
            pids = servers[mode].pids()
            cpu_before = process_cpu(pids)
            rate, bad = page_rate(
                servers[mode].port, page, options.page_seconds, options.page_connections
            )
            cpu[mode] += process_cpu(pids) - cpu_before
            totals[mode] += rate * int(options.page_seconds)
            print(f"page ({mode}): {rate:,.0f} req/s" + (f", {bad} non-2xx" if bad else ""))
        per_page = {mode: cpu[mode] / max(totals[mode], 1) * 1e6 for mode in cpu}
        print(
            f"page: counting on/off {totals['on'] / totals['off']:.2f} in req/s (this busy "
            f"machine's noise included); gunicorn CPU per page on {per_page['on']:,.0f} µs, "
            f"off {per_page['off']:,.0f} µs: pages per CPU second on/off "
            f"{per_page['off'] / per_page['on']:.2f}"
        )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        return 0 if exact else 1
    finally:
        for server in servers.values():
            server.stop()
        for name in (prefix, f"{prefix}-on", f"{prefix}-off"):
            delete_prefix(redis_url, name)
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
