"""Read-counting benchmark: counted reads/s through the beacon, and page rps with counting on/off.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/np_bench REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python -m bench.beacon [--seconds 10] [--page-seconds 3] [--django-beacon 5]

It starts gunicorn (2 workers, serving articles.counters.wsgi: the beacon's fast path in
front of Django) on a free loopback port, then:
1. sends beacons for one hot article as many distinct readers (each connection comes from
   its own 127.x.y.z address, each request has its own user agent, so neither the 30-minute
   dedupe nor the per-address rate limit refuses them: every 204 is a counted read);
2. runs `flush_counters` and checks that the article's view_count and DailyReads grew by
   exactly the number of counted reads, and prints the CPU each counted read cost the
   gunicorn workers, the load generator and Redis (this machine is shared: the CPU figures
   say what two idle cores would sustain);
3. measures article page requests/s with READ_COUNTING on and off (two servers, phases
   alternated on/off three times) and prints the ratio of the medians.
Every phase is bounded in time; the servers are stopped and the run's Redis keys deleted.
"""

import argparse
import asyncio
import multiprocessing
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORIGIN_KEY = "bench:beacon-hot-article"
REQUESTS_PER_CONNECTION = 100  # below the beacon's 120/minute per address
# The beacon's WSGI fast path in front of Django, as deployed; and Django alone.
FAST_APP = "newsportal.wsgi:application"
DJANGO_APP = "newsportal.wsgi:django_application"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_cpu(pids):
    """User + system CPU seconds used so far by these processes (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


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


def client_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def redis_script_usec(client):
    """(calls, microseconds) Redis spent in EVALSHA so far."""
    stats = client.info("commandstats").get("cmdstat_evalsha", {})
    return stats.get("calls", 0), stats.get("usec", 0)


# --- the load generator: raw HTTP/1.1 keep-alive over asyncio, one process per core -------


async def _read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _colon, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, close


async def _connection(port, path, deadline, stats, addresses, distinct):
    while time.monotonic() < deadline:
        source = next(addresses)
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(source, 0) if distinct else None
            )
        except OSError:
            stats["connect-error"] += 1
            await asyncio.sleep(0.01)
            continue
        try:
            for n in range(REQUESTS_PER_CONNECTION):
                if time.monotonic() >= deadline:
                    break
                agent = f"{USER_AGENT} r/{source}/{n}" if distinct else USER_AGENT
                method = "POST" if distinct else "GET"
                writer.write(
                    f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {agent}\r\n"
                    f"Content-Length: 0\r\n\r\n".encode()
                )
                status, close = await _read_response(reader)
                stats[status] += 1
                if close:
                    break
        except (OSError, asyncio.IncompleteReadError):
            stats["io-error"] += 1
        finally:
            writer.close()


def _addresses(worker):
    """Fresh loopback source addresses: 127.<worker+10>.<b>.<c>, never reused in a run."""
    for n in range(256 * 254):
        b, c = divmod(n, 254)
        yield f"127.{worker + 10}.{b}.{c + 1}"


async def _load(port, path, seconds, connections, worker, distinct):
    stats = Counter()
    deadline = time.monotonic() + seconds
    addresses = _addresses(worker)
    await asyncio.gather(
        *(_connection(port, path, deadline, stats, addresses, distinct) for _ in range(connections))
    )
    return stats


def _client(args):
    return asyncio.run(_load(*args))


def load(port, path, seconds, connections, processes, distinct, phase=0):
    """Run the load from `processes` client processes; (status counts, elapsed seconds).

    Each phase and process gets its own 127.x range, so no address is used twice in a run.
    """
    jobs = [(port, path, seconds, connections, phase * 16 + w, distinct) for w in range(processes)]
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_client, jobs)
    elapsed = time.monotonic() - started
    return sum(results, Counter()), elapsed


# --- the server -----------------------------------------------------------------------------


class Server:
    def __init__(self, env, app, workers=2, threads=4, worker_class="gthread"):
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={workers}",
                f"--worker-class={worker_class}",
                f"--threads={threads}",
                "--keep-alive=5",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )

    def wait_ready(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}{path}", timeout=2
                ) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not answer in time")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


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
    article, _created = Article.objects.update_or_create(
        origin_key=ORIGIN_KEY,
        defaults={
            "title": "基准测试：热点新闻",
            "summary": "用于计数基准测试的文章。",
            "body": "<p>" + "基准测试正文。" * 200 + "</p>",
            "status": Article.Status.PUBLISHED,
            "publish_at": timezone.now() - timezone.timedelta(hours=1),
        },
    )
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
    parser.add_argument("--seconds", type=float, default=10, help="beacon load duration")
    parser.add_argument("--page-seconds", type=float, default=3, help="each page phase")
    parser.add_argument("--connections", type=int, default=32, help="per client process")
    parser.add_argument("--clients", type=int, default=1, help="client processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class")
    parser.add_argument(
        "--django-beacon",
        type=float,
        default=0,
        metavar="SECONDS",
        help="also time the beacon through Django's full middleware stack (no fast path)",
    )
    options = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        raise SystemExit("REDIS_URL must point at a Redis server (the benchmark counts there).")

    prefix = f"bench-{secrets.token_hex(4)}"
    article = prepare(prefix)
    from django.core.management import call_command

    from articles.counters.tokens import page_token

    env = {
        **os.environ,
        "CACHE_KEY_PREFIX": prefix,
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    page = article.get_absolute_url()
    beacon = f"/e/read/{article.pk}/?t={page_token(article.pk)}"
    servers = {}
    try:
        print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; others' jobs count too)")
        servers["on"] = Server(
            {**env, "READ_COUNTING": "1"},
            FAST_APP,
            threads=options.threads,
            worker_class=options.worker_class,
        )
        servers["on"].wait_ready(page)
        call_command("flush_counters", verbosity=0)
        before = counted_totals(article)

        from django.db import connections

        connections.close_all()  # the client processes are forked
        import redis

        redis_client = redis.Redis.from_url(redis_url)
        workers = children_of(servers["on"].process.pid)
        cpu_before = (process_cpu(workers), client_cpu(), redis_script_usec(redis_client))
        stats, elapsed = load(
            servers["on"].port,
            beacon,
            options.seconds,
            options.connections,
            options.clients,
            distinct=True,
        )
        server_cpu = process_cpu(workers) - cpu_before[0]
        generator_cpu = client_cpu() - cpu_before[1]
        after_calls, after_usec = redis_script_usec(redis_client)
        calls, usec = after_calls - cpu_before[2][0], after_usec - cpu_before[2][1]
        counted = stats.get(204, 0)
        call_command("flush_counters", verbosity=0)
        after = counted_totals(article)
        grew = (after[0] - before[0], after[1] - before[1])
        exact = grew == (counted, counted)
        print(f"beacon: {counted} counted reads in {elapsed:.1f}s = {counted / elapsed:,.0f}/s")
        print(f"beacon: responses {dict(stats)}")
        if counted:
            per_read = {
                "gunicorn workers": server_cpu / counted * 1e6,
                "load generator": generator_cpu / counted * 1e6,
                "redis script": usec / max(calls, 1),
            }
            spent = sum(per_read.values())
            print(
                "beacon: CPU per counted read: "
                + ", ".join(f"{name} {us:,.0f} µs" for name, us in per_read.items())
                + f"; 2 idle cores fit about {2e6 / spent:,.0f} reads/s with this load "
                f"generator, {2e6 / (spent - per_read['load generator']):,.0f}/s without it"
            )
        print(
            f"beacon: after flush view_count +{grew[0]}, DailyReads +{grew[1]}, "
            f"expected +{counted}: {'EXACT' if exact else 'MISMATCH'}"
        )

        if options.django_beacon:
            servers["django"] = Server({**env, "READ_COUNTING": "1"}, DJANGO_APP)
            servers["django"].wait_ready(page)
            stats, elapsed = load(
                servers["django"].port,
                beacon,
                options.django_beacon,
                options.connections,
                options.clients,
                distinct=True,
                phase=1,
            )
            call_command("flush_counters", verbosity=0)
            rate = stats.get(204, 0) / elapsed
            print(f"beacon via Django's middleware (no fast path): {rate:,.0f}/s {dict(stats)}")
            servers.pop("django").stop()

        servers["off"] = Server(
            {**env, "READ_COUNTING": "0"},
            FAST_APP,
            threads=options.threads,
            worker_class=options.worker_class,
        )
        servers["off"].wait_ready(page)
        rates = {"on": [], "off": []}
        # Alternated, so a change in the machine's load hits both modes alike.
        for mode in ("on", "off") * 3:
            stats, elapsed = load(
                servers[mode].port,
                page,
                options.page_seconds,
                options.connections,
                options.clients,
                distinct=False,
            )
            rates[mode].append(stats.get(200, 0) / elapsed)
            others = {k: v for k, v in stats.items() if k != 200}
            print(f"page ({mode}): {rates[mode][-1]:,.0f} req/s {others or ''}")
        on, off = (statistics.median(rates[m]) for m in ("on", "off"))
        print(
            f"page: counting on {on:,.0f} req/s, off {off:,.0f} req/s (medians), "
            f"ratio {on / off:.2f}"
        )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        return 0 if exact else 1
    finally:
        for server in servers.values():
            server.stop()
        delete_prefix(redis_url, prefix)


if __name__ == "__main__":
    sys.exit(main())
