"""sitemap.xml (an index once the archive is large), the Google News sitemap and robots.txt.

A small site gets one urlset. A large one gets a sitemap index whose article sections are
Beijing-time calendar weeks, named by their Monday (`sitemap-articles.xml?week=2025-01-06`):
a week's URL never changes what it lists, each is one range scan on the publish-time index,
and even a busy week stays far below the protocol's 50,000 URLs. The weeks are counted
from the oldest to the newest listed article (two index probes), not read off the archive.

The XML is built as strings from value rows: Django's sitemap template cost ~0.15 ms a URL
(1.5 s for 10,000), which a sitemap fetched uncached by every crawler cannot afford.
"""

import re
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from django.db.models import Max, Min
from django.db.models.functions import Greatest, TruncDate
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Region, SiteSettings
from articles.text import CHINA, iso_datetime

# Up to this many listed articles the whole site is one urlset; a larger site gets an index.
SINGLE_SITEMAP_MAX = 2_000
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000
WEEK = timedelta(days=7)
# What Django's reverse() percent-encodes: all but unreserved characters and these.
PATH_UNSAFE = re.compile(r"[^A-Za-z0-9_.~!$&'()*+,;=/:@-]+")

URLSET = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def _listed():
    return Article.objects.listed()


def _origin(request):
    return f"{request.scheme}://{request.get_host()}"


def _xml(parts):
    response = HttpResponse("".join(parts), content_type="application/xml")
    response.headers["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


def _percent_encode(match):
    # urllib's quote() was half the cost of a 2,000-URL section; this is a fraction of it.
    return "%" + match[0].encode().hex("%").upper()


class ArticleUrls:
    """Article paths without a reverse() per row (the URL patterns are fixed)."""

    def __init__(self):
        detail = reverse("articles:detail", kwargs={"pk": 1, "slug": "s"})
        short = reverse("articles:detail_short", kwargs={"pk": 1})
        self.detail = detail.replace("/1/", "/{pk}/", 1).replace("/s/", "/{slug}/", 1)
        self.short = short.replace("/1/", "/{pk}/", 1)

    def __call__(self, pk, slug):
        if slug:
            return self.detail.format(pk=pk, slug=PATH_UNSAFE.sub(_percent_encode, slug))
        return self.short.format(pk=pk)


def _article_rows(queryset):
    # The Beijing date of the last change, computed by the database: loading two
    # timestamps a row cost more than building the row's XML.
    changed = TruncDate(Greatest("publish_at", "updated_at"), tzinfo=CHINA)
    return queryset.annotate(changed=changed).values_list("id", "slug", "changed")


def _url_entries(origin, rows):
    path = ArticleUrls()
    for pk, slug, changed in rows:
        loc = escape(origin + path(pk, slug))
        yield f"<url><loc>{loc}</loc><lastmod>{changed.isoformat()}</lastmod></url>"


def _page_entries(origin):
    for name in ("articles:home", "articles:latest"):
        yield f"<url><loc>{origin}{reverse(name)}</loc><changefreq>hourly</changefreq></url>"
    for region in Region.objects.filter(parent__isnull=True).order_by("position", "id"):
        loc = escape(origin + region.get_absolute_url())
        yield f"<url><loc>{loc}</loc><changefreq>daily</changefreq></url>"


def _monday(moment):
    day = moment.astimezone(CHINA).date()
    return day - timedelta(days=day.weekday())


def _week_start(monday):
    return datetime(monday.year, monday.month, monday.day, tzinfo=CHINA)


def sitemap_root(request):
    """/sitemap.xml: every URL in one urlset, or an index of sections once that is too big."""
    origin = _origin(request)
    listed = _listed()
    rows = list(_article_rows(listed.order_by("publish_at", "id"))[: SINGLE_SITEMAP_MAX + 1])
    if len(rows) <= SINGLE_SITEMAP_MAX:
        return _xml(
            [URLSET, ">\n", *_page_entries(origin), *_url_entries(origin, rows), "\n</urlset>\n"]
        )
    span = listed.aggregate(first=Min("publish_at"), last=Max("publish_at"))
    sections = [reverse("articles:sitemap_section", args=[name]) for name in ("pages", "regions")]
    articles = reverse("articles:sitemap_section", args=["articles"])
    monday, last = _monday(span["first"]), _monday(span["last"])
    while monday <= last:
        sections.append(f"{articles}?week={monday.isoformat()}")
        monday += WEEK
    sections.append(reverse("articles:news_sitemap"))
    entries = (f"<sitemap><loc>{escape(origin + s)}</loc></sitemap>" for s in sections)
    return _xml([
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n',
        *entries,
        "\n</sitemapindex>\n",
    ])  # fmt: skip


def sitemap_section(request, section):
    """One section of the index: the fixed pages, the provinces, or a week of articles."""
    origin = _origin(request)
    if section == "news":
        return news_sitemap(request)
    if section in ("pages", "regions"):
        entries = list(_page_entries(origin))
        entries = entries[:2] if section == "pages" else entries[2:]
    elif section == "articles":
        try:
            monday = datetime.strptime(request.GET.get("week", ""), "%Y-%m-%d").date()
        except ValueError as exc:
            raise Http404("no such week") from exc
        if monday.weekday() != 0:
            raise Http404("weeks start on a Monday")
        start = _week_start(monday)
        week = _listed().filter(publish_at__gte=start, publish_at__lt=start + WEEK)
        entries = _url_entries(origin, _article_rows(week.order_by("publish_at", "id")))
    else:
        raise Http404("no such sitemap section")
    return _xml([URLSET, ">\n", *entries, "\n</urlset>\n"])


def news_sitemap(request):
    """Google News: what was published in the last 48 hours (at most 1,000 articles)."""
    origin = _origin(request)
    since = timezone.now() - NEWS_WINDOW
    rows = (
        _listed()
        .filter(publish_at__gte=since)
        .newest_first()
        .values_list("id", "slug", "publish_at", "title")[:NEWS_LIMIT]
    )
    path = ArticleUrls()
    publication = (
        f"<news:publication><news:name>{escape(SiteSettings.current()['name'])}</news:name>"
        "<news:language>zh-cn</news:language></news:publication>"
    )
    entries = (
        f"<url><loc>{escape(origin + path(pk, slug))}</loc><news:news>{publication}"
        f"<news:publication_date>{iso_datetime(publish_at)}</news:publication_date>"
        f"<news:title>{escape(title)}</news:title></news:news></url>\n"
        for pk, slug, publish_at, title in rows
    )
    return _xml([URLSET, NEWS_NS, ">\n", *entries, "</urlset>\n"])


def robots_txt(request):
    lines = [
        "User-agent: *",
        # Result pages for every possible query are an endless, thin space for crawlers.
        "Disallow: /search/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('articles:sitemap'))}",
        f"Sitemap: {request.build_absolute_uri(reverse('articles:news_sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
