"""Server-side latency per page type, in-process with Django's test Client.

    python -m bench.latency --database-url postgres://…/np_bench_10k --cache off --json out.json

Each page type rotates over a few sample URLs chosen from the data (popular and rare
tags, big and small regions, old and new articles…). After one warm-up pass, every
request is timed with `perf_counter` around `Client.get` (the whole Django stack:
middleware, view, template, page cache), with DEBUG off; a separate pass per sample URL
counts the queries with `CaptureQueriesContext` and keeps the slowest ones, which is
where the time goes. `--cache off` swaps in Django's DummyCache (every page and sidebar
computed each time); `--cache on` uses Redis (REDIS_URL, a private key prefix) or the
local-memory cache, warmed first.
"""

import argparse
import json
import os
import statistics
import sys
import time
import uuid

PAGE_TYPES = (
    "home", "latest", "latest_deep", "region", "tag", "author", "article", "search",
    "feed", "sitemap",
)  # fmt: skip
SEARCH_TERMS = ("数字化转型", "温州", "人工智能应用场景", "高校毕业生就业", "乡村旅游 红色旅游")


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["RATE_LIMITS_ENABLED"] = "0"  # every request comes from one address
    os.environ.pop("DATABASE_REPLICA_URLS", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
    import django

    django.setup()


def cache_settings(mode):
    from django.conf import settings

    if mode == "off":
        return {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    caches = {"default": dict(settings.CACHES["default"])}
    # A private prefix: the Redis server is shared, and it is never flushed.
    caches["default"]["KEY_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}"
    return caches


def sample_urls(per_type=5):
    """{page type: [url, …]}: representative URLs spread over popularity and age."""
    from django.db.models import Count
    from django.urls import reverse

    from articles.models import Article, Author, Region, Tag
    from articles.paging import cursor_for

    listed = Article.objects.listed()
    total = listed.count()

    def spread(rows):
        """`per_type` items from most to least popular, on a log scale."""
        rows = list(rows)
        if len(rows) <= per_type:
            return rows
        picks = {round((len(rows) - 1) ** (k / (per_type - 1))) for k in range(per_type)}
        picks.add(0)
        return [rows[i] for i in sorted(picks)][:per_type]

    tags = spread(
        Tag.objects.annotate(n=Count("tagged_articles")).filter(n__gt=0).order_by("-n", "id")
    )
    regions = spread(
        Region.objects.annotate(n=Count("province_articles")).filter(n__gt=0).order_by("-n", "id")
    )
    cities = spread(
        Region.objects.filter(parent__isnull=False)
        .annotate(n=Count("articles"))
        .filter(n__gt=0)
        .order_by("-n", "id")
    )
    authors = spread(
        Author.objects.filter(is_reporter=True)
        .annotate(n=Count("articles"))
        .filter(n__gt=0)
        .order_by("-n", "id")
    )
    step = max(1, total // (per_type * 2))
    articles = list(listed.order_by("-publish_at", "-id").only("id", "slug")[:total:step])
    deep = []
    for fraction in (0.5, 0.9, 0.99):
        anchor = listed.order_by("-publish_at", "-id").only("id", "publish_at")[
            int(total * fraction)
        ]
        deep.append(f"{reverse('articles:latest')}?before={cursor_for(anchor)}")
    sitemaps = [reverse("articles:sitemap"), reverse("articles:news_sitemap")]
    sitemaps += sitemap_sections(sitemaps[0])
    return {
        "home": [reverse("articles:home")],
        "latest": [reverse("articles:latest")],
        "latest_deep": deep,
        "region": [r.get_absolute_url() for r in [*regions[:3], *cities[:2]]],
        "tag": [t.get_absolute_url() for t in tags],
        "author": [a.get_absolute_url() for a in authors],
        "article": [a.get_absolute_url() for a in articles],
        "search": [f"{reverse('articles:search')}?q={term}" for term in SEARCH_TERMS],
        "feed": [
            reverse("articles:feed"),
            reverse("articles:tag_feed", args=[tags[0].slug]),
            reverse("articles:region_feed", args=[regions[0].slug]),
        ],
        "sitemap": sitemaps,
    }, total


def sitemap_sections(root):
    """The newest and the oldest article section of a sitemap index (none for a urlset)."""
    import re
    from urllib.parse import urlsplit

    from django.test import Client

    content = Client().get(root).content.decode()
    if "<sitemapindex" not in content:
        return []
    locs = [urlsplit(loc).path + (f"?{urlsplit(loc).query}" if urlsplit(loc).query else "")
            for loc in re.findall(r"<loc>([^<]+)</loc>", content)]  # fmt: skip
    articles = [loc for loc in locs if "article" in loc] or locs
    return list(dict.fromkeys([articles[-1], articles[0]]))


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    slow = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
    total_ms = round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1)
    return (
        response.status_code,
        len(captured),
        total_ms,
        [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:400]} for q in slow],
    )


def measure(urls, requests, budget_s):
    """Time `requests` GETs per page type (rotating over its URLs), after a warm-up pass."""
    from django.test import Client

    client = Client()
    for page_urls in urls.values():
        for url in page_urls:
            client.get(url)
    results = {}
    for page, page_urls in urls.items():
        timings, cpu, statuses, started = [], [], {}, time.monotonic()
        for n in range(requests):
            url = page_urls[n % len(page_urls)]
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if time.monotonic() - started > budget_s and n >= len(page_urls):
                break
        queries, db_ms, slowest = [], [], []
        for url in page_urls:
            _status, count, total_ms, slow = count_queries(client, url)
            queries.append(count)
            db_ms.append(total_ms)
            slowest.append({"url": url, "queries": count, "db_ms": total_ms, "slowest": slow})
        results[page] = {
            "n": len(timings),
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "max_ms": round(max(timings), 2),
            # Python CPU of the request (not PostgreSQL's): robust to a busy machine.
            "cpu_p50_ms": round(statistics.median(cpu), 2),
            "db_ms": round(max(db_ms), 2),
            "queries": max(queries),
            "queries_by_url": queries,
            "statuses": statuses,
            "urls": page_urls,
            "detail": slowest,
        }
        log(f"  {page:12s} p50 {results[page]['p50_ms']:8.1f} ms  p95 "
            f"{results[page]['p95_ms']:8.1f} ms  cpu {results[page]['cpu_p50_ms']:6.1f} ms  "
            f"db {max(db_ms):6.1f} ms  queries {queries}  {statuses}")  # fmt: skip
    return results


def log(message):
    print(message, file=sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", default="", help="e.g. 10k or 1m (default: the row count)")
    parser.add_argument("--cache", choices=("off", "on"), default="off")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page type")
    parser.add_argument("--budget", type=float, default=30, help="seconds per page type at most")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.test.utils import override_settings, setup_test_environment

    call_command("migrate", skip_checks=True, verbosity=0, interactive=False)
    setup_test_environment()  # lets the test Client run outside a test runner
    with override_settings(CACHES=cache_settings(args.cache), ALLOWED_HOSTS=["testserver"]):
        urls, total = sample_urls()
        label = args.label or f"{total}"
        log(f"latency: {label} ({total:,} listed articles), cache {args.cache}")
        pages = measure(urls, args.requests, args.budget)
    result = {
        "label": label,
        "listed_articles": total,
        "cache": args.cache,
        "database": args.database_url.rsplit("/", 1)[-1],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "loadavg_1m": os.getloadavg()[0],
        "pages": pages,
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, ensure_ascii=False, indent=2)
    return result


if __name__ == "__main__":
    main()
