"""Turns the JSON results in bench/results/ into Markdown tables and a PNG chart.

    python -m bench.report [--results bench/results]

Reads latency-<size>-<cache>.json, throughput-<size>.json and generate-<size>.json and
writes latency.md, latency.png and README.md (the figures the project README links),
with the hand-written section-*.md files (search, beacon, nginx, page cost) at its end.
"""

import argparse
import json
import platform
import re
import subprocess
from pathlib import Path

from bench.latency import PAGE_TYPES

RESULTS = Path(__file__).resolve().parent / "results"
P95_TARGET_MS = {"search": 100}
DEFAULT_TARGET_MS = 50
RATIO_TARGET = 1.5
# (articles, seconds): the generator's target, search documents included.
GENERATION_TARGET = (1_000_000, 15 * 60)


def load(results, name):
    path = results / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def machine():
    """One line naming the machine the figures were measured on."""
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    cores = len(__import__("os").sched_getaffinity(0))
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    try:
        found = subprocess.run(
            ["psql", "--version"],  # noqa: S607 - only asks psql its version
            capture_output=True,
            text=True,
            timeout=10,
        )
        postgres = re.search(r"\d+(\.\d+)+", found.stdout).group(0)
    except (OSError, AttributeError):
        postgres = "?"
    return (
        f"{cores} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GB RAM, "
        f"Linux {platform.release()}, Python {platform.python_version()}, PostgreSQL {postgres}"
    )


def _cell(page):
    if not page:
        return "–"
    return f"{page['p50_ms']:.1f} / {page['p95_ms']:.1f}"


def latency_table(runs, small, large):
    """Markdown: one row per page type, both sizes, cache off and on."""
    lines = [
        f"| page | queries ({small} / {large}) | {small} uncached p50 / p95 ms "
        f"| {large} uncached p50 / p95 ms | {large}/{small} p95 | Python CPU ms uncached "
        f"({small} / {large}) | {small} cached p50 / p95 ms | {large} cached p50 / p95 ms "
        "| uncached target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for page in PAGE_TYPES:
        cells = {key: (run or {}).get("pages", {}).get(page) for key, run in runs.items()}
        off_s, off_l = cells.get((small, "off")), cells.get((large, "off"))
        on_s, on_l = cells.get((small, "on")), cells.get((large, "on"))
        ratio = off_l["p95_ms"] / off_s["p95_ms"] if off_s and off_l else None
        target = P95_TARGET_MS.get(page, DEFAULT_TARGET_MS)
        verdict = "–"
        if off_l:
            met = off_l["p95_ms"] <= target and (ratio is None or ratio <= RATIO_TARGET)
            verdict = f"{'✅' if met else '❌'} p95 ≤ {target} ms, ratio ≤ {RATIO_TARGET}"
        queries = " / ".join(str(c["queries"]) if c else "–" for c in (off_s, off_l))
        cpu = " / ".join(f"{c['cpu_p50_ms']:.0f}" if c else "–" for c in (off_s, off_l))
        lines.append(
            f"| {page} | {queries} | {_cell(off_s)} | {_cell(off_l)} | "
            f"{f'{ratio:.2f}' if ratio else '–'} | {cpu} | {_cell(on_s)} | {_cell(on_l)} "
            f"| {verdict} |"
        )
    return "\n".join(lines)


def chart(runs, small, large, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
    width = 0.38
    for axis, cache in zip(axes, ("off", "on"), strict=True):
        for offset, size in ((-width / 2, small), (width / 2, large)):
            run = runs.get((size, cache)) or {}
            values = [run.get("pages", {}).get(p, {}).get("p95_ms", 0) for p in PAGE_TYPES]
            positions = [i + offset for i in range(len(PAGE_TYPES))]
            axis.bar(positions, values, width, label=f"{size} articles")
        axis.axhline(DEFAULT_TARGET_MS, color="red", linestyle="--", linewidth=1, label="50 ms")
        axis.set_xticks(range(len(PAGE_TYPES)), PAGE_TYPES, rotation=35, ha="right")
        axis.set_yscale("log")
        axis.set_title(f"p95 latency, cache {cache}")
        axis.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("ms (log scale)")
    axes[1].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def throughput_table(result):
    rows = [
        "| run | app req/s | app p50 / p99 ms | static nginx req/s | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    names = {
        "uncached": "gunicorn, no cache (DummyCache)",
        "django_cached": f"gunicorn, Django page cache ({result.get('cache_backend')})",
        "page_cache_bypassed": "gunicorn, page cache skipped (cookie), sidebars cached",
        "nginx_cached": "nginx (deploy/nginx.conf) → gunicorn",
        "bare_wsgi": "gunicorn, a bare WSGI app with the same bytes (gunicorn's own ceiling)",
    }
    for key, label in names.items():
        run = result.get(key)
        if not run:
            continue
        target = result["targets"].get(key)
        verdict = f"{'✅' if target['met'] else '❌'} ≥ {target['target']}" if target else "–"
        rows.append(
            f"| {label} | {run['app']['rps']:,.0f} | {run['app']['p50_ms']:.1f} / "
            f"{run['app']['p99_ms']:.1f} | {run['static_nginx']['rps']:,.0f} | "
            f"{run['ratio_app_to_static']:.4f} | {verdict} |"
        )
    many = result.get("uncached_200_articles")
    if many:
        rows.append(
            f"| gunicorn, no cache, 200 different articles | {many['rps']:,.0f} | "
            f"{many['lat_ms']['p50']:.1f} / {many['lat_ms']['p99']:.1f} | – | – | – |"
        )
    return "\n".join(rows)


def memory_lines(result):
    lines = []
    for key, label in (("memory_uncached_kb", "uncached"), ("memory_cached_kb", "cached")):
        workers = result.get(key) or {}
        parts = [
            f"RSS {m.get('rss_kb', 0) / 1024:.0f} MB (PSS {m.get('pss_kb', 0) / 1024:.0f} MB)"
            for m in workers.values()
        ]
        if parts:
            lines.append(f"- {label} run, per worker after warm-up: " + "; ".join(parts))
    return "\n".join(lines)


def generation_lines(results, labels):
    lines = []
    for label in labels:
        info = load(results, f"generate-{label}.json")
        if not info or "timings" not in info:
            continue
        timings = ", ".join(f"{k} {v} s" for k, v in info["timings"].items())
        rows = info.get("rows", {})
        total = info["timings"].get("total")
        verdict = ""
        if total is not None and info["articles"] >= GENERATION_TARGET[0]:
            met = total <= GENERATION_TARGET[1] * info["articles"] / GENERATION_TARGET[0]
            verdict = (
                f"; {'✅' if met else '❌'} {total} s in all, search documents included "
                "(target: 1,000,000 articles in 15 min)"
            )
        lines.append(
            f"- {label}: {info['articles']:,} articles, {rows.get('tagged', 0):,} tag links, "
            f"{rows.get('byline', 0):,} bylines; {timings}{verdict}; "
            f"search: {info.get('search')}"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--sizes", default="10k,1m", help="two size labels: small,large")
    args = parser.parse_args(argv)
    small, large = args.sizes.split(",")
    runs = {
        (size, cache): load(args.results, f"latency-{size}-{cache}.json")
        for size in (small, large)
        for cache in ("off", "on")
    }
    table = latency_table(runs, small, large)
    (args.results / "latency.md").write_text(table + "\n", encoding="utf-8")
    if any(runs.values()):
        chart(runs, small, large, args.results / "latency.png")
    throughput = load(args.results, f"throughput-{large}.json") or load(
        args.results, f"throughput-{small}.json"
    )
    measured = sorted({r["measured_at"] for r in runs.values() if r})
    loads = [r.get("loadavg_1m") for r in runs.values() if r]
    parts = [
        "# Benchmark figures",
        "",
        "How they are made and how to run them again: [bench/README.md](../README.md).",
        "",
        f"Measured {measured[0] if measured else '–'} … {measured[-1] if measured else '–'} on "
        f"{machine()}. Load average during the latency runs: "
        f"{', '.join(f'{x:.1f}' for x in loads if x is not None)} "
        "(other work shared the machine: compare figures within one run).",
        "",
        "## Latency per page type (server side, Django test Client in-process)",
        "",
        table,
        "",
        "![p95 latency by page type](latency.png)",
        "",
    ]
    if throughput:
        parts += [
            f"## Throughput ({throughput.get('label') or large}: article page "
            f"`{throughput['page']}`, wrk {throughput['connections']} connections × "
            f"{throughput['seconds']} s, 2 gunicorn workers)",
            "",
            throughput_table(throughput),
            "",
            memory_lines(throughput),
            "",
        ]
    generation = generation_lines(args.results, (small, large))
    if generation:
        parts += ["## Data generation", "", generation, ""]
    # Figures from the other benchmarks (search, beacon, nginx), written up by hand from
    # their own output files, stay in the page when it is made again.
    for section in sorted(args.results.glob("section-*.md")):
        parts += [section.read_text(encoding="utf-8").strip(), ""]
    (args.results / "README.md").write_text("\n".join(parts), encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
