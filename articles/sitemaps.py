"""sitemap.xml (an index once the archive is large), the Google News sitemap and robots.txt.

A small site gets one urlset. A large one gets a sitemap index whose article pages are
calendar months, oldest first: a month's URL never changes what it lists, and each page is
an index range scan on publish_at rather than an OFFSET deep into a million rows.
"""

from datetime import timedelta
from types import SimpleNamespace

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from articles.caching import content_version
from articles.models import Article, Region
from articles.text import CHINA

# Below this many articles the whole site fits one urlset (the protocol allows 50,000).
SINGLE_SITEMAP_MAX = 40_000
NEWS_WINDOW = timedelta(hours=48)
SIZE_CACHE_SECONDS = 3600


def _articles():
    return Article.objects.listed().only("id", "slug", "title", "publish_at", "updated_at")


class PageSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return ["articles:home", "articles:latest"]

    def location(self, item):
        return reverse(item)


class RegionSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Region.objects.filter(parent__isnull=True).order_by("position", "id")


class MonthPaginator:
    """Pages by Beijing-time calendar month, oldest first; the Paginator API the sitemap uses."""

    def __init__(self, queryset, months):
        self.queryset = queryset
        self.months = months

    @property
    def num_pages(self):
        return len(self.months)

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(number) from exc
        if not 1 <= number <= len(self.months):
            raise EmptyPage(number)
        start = self.months[number - 1]
        end = (start + timedelta(days=32)).replace(day=1)
        items = self.queryset.filter(publish_at__gte=start, publish_at__lt=end)
        return SimpleNamespace(object_list=items[:SINGLE_SITEMAP_MAX])


class ArticleSitemap(Sitemap):
    limit = SINGLE_SITEMAP_MAX

    def __init__(self, by_month=False):
        self.by_month = by_month

    def items(self):
        return _articles().order_by("publish_at", "id")

    def lastmod(self, article):
        return max(article.updated_at, article.publish_at)

    def get_latest_lastmod(self):
        # One cached aggregate instead of Django's default: lastmod() on every article.
        return _cached(
            "latest", lambda: Article.objects.listed().aggregate(latest=Max("updated_at"))["latest"]
        )

    @cached_property
    def months(self):
        listed = Article.objects.listed()
        return _cached(
            "months", lambda: list(listed.datetimes("publish_at", "month", tzinfo=CHINA))
        )

    @property
    def paginator(self):
        if self.by_month:
            return MonthPaginator(self.items(), self.months)
        return super().paginator


class NewsSitemap(Sitemap):
    """Google News: what was published in the last 48 hours (at most 1,000 articles)."""

    limit = 1000

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return _articles().filter(publish_at__gte=since).newest_first()[: self.limit]

    def lastmod(self, article):
        return max(article.updated_at, article.publish_at)


def _cached(name, compute):
    """Whole-archive figures (size, months, latest change), kept until the content changes."""
    key = f"sitemap:{name}:v{content_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, SIZE_CACHE_SECONDS)
    return value


def _is_large():
    return _cached("large", lambda: Article.objects.listed().count() > SINGLE_SITEMAP_MAX)


def _sections(by_month):
    return {
        "pages": PageSitemap(),
        "regions": RegionSitemap(),
        "articles": ArticleSitemap(by_month=by_month),
    }


def sitemap_root(request):
    """/sitemap.xml: every URL in one urlset, or an index of sections once that is too big."""
    if not _is_large():
        return sitemap_views.sitemap(request, _sections(by_month=False))
    sections = _sections(by_month=True) | {"news": NewsSitemap()}
    return sitemap_views.index(request, sections, sitemap_url_name="articles:sitemap_section")


def sitemap_section(request, section):
    if section == "news":
        return news_sitemap(request)
    return sitemap_views.sitemap(request, _sections(by_month=_is_large()), section=section)


def news_sitemap(request):
    return sitemap_views.sitemap(
        request, {"news": NewsSitemap()}, template_name="articles/sitemap_news.xml"
    )


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
