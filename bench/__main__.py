"""The benchmark suite: `python -m bench` (or `make bench`).

    python -m bench [--sizes 10000,1000000] [--parts generate,latency,throughput,report]

For each size N it loads (or reuses) the database <BENCH_DATABASE_URL>_<label> (default
postgres://postgres@127.0.0.1:5432/np_bench_10k and …_1m), measures latency with the cache
off and on, measures throughput on the largest size, and writes bench/results/. Each step
runs in its own Python process, so every size gets Django settings of its own.
Set REDIS_URL to measure the cached runs with Redis (a private key prefix; never flushed).
"""

import argparse
import os
import subprocess
import sys
import time

from bench.generate import DEFAULT_URL
from bench.report import RESULTS

PARTS = ("generate", "latency", "throughput", "report")


def label(size):
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def step(*args):
    command = [sys.executable, "-m", *args]
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    started = time.monotonic()
    subprocess.run(command, check=True)  # noqa: S603 - our interpreter, our modules
    print(f"  ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_SIZES", "10000,1000000"),
        help="comma-separated article counts (default: %(default)s)",
    )
    parser.add_argument("--parts", default=",".join(PARTS), help="any of " + ",".join(PARTS))
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        help="base URL; the size label is appended to the database name",
    )  # fmt: skip
    parser.add_argument("--requests", type=int, default=40, help="latency requests per page type")
    parser.add_argument("--seconds", type=int, default=10, help="wrk seconds per throughput run")
    parser.add_argument("--reset", action="store_true", help="regenerate even if loaded")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    parts = set(args.parts.split(","))
    if not sizes or parts - set(PARTS):
        parser.error(f"--sizes needs numbers, --parts only {', '.join(PARTS)}")
    RESULTS.mkdir(exist_ok=True)
    urls = {size: f"{args.database_url}_{label(size)}" for size in sizes}
    for size in sizes:
        out = RESULTS / f"{{}}-{label(size)}"
        if "generate" in parts:
            extra = ["--reset"] if args.reset else []
            step("bench.generate", "-n", str(size), "--database-url", urls[size],
                 "--json", f"{str(out).format('generate')}.json", *extra)  # fmt: skip
        if "latency" in parts:
            for cache in ("off", "on"):
                step("bench.latency", "--database-url", urls[size], "--label", label(size),
                     "--cache", cache, "--requests", str(args.requests),
                     "--json", f"{str(out).format('latency')}-{cache}.json")  # fmt: skip
    if "throughput" in parts:
        largest = sizes[-1]
        step("bench.throughput", "--database-url", urls[largest], "--label", label(largest),
             "--seconds", str(args.seconds),
             "--json", str(RESULTS / f"throughput-{label(largest)}.json"))  # fmt: skip
    if "report" in parts:
        small, large = label(sizes[0]), label(sizes[-1])
        step("bench.report", "--sizes", f"{small},{large}")


if __name__ == "__main__":
    main()
