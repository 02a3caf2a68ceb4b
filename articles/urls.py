"""Public URLs of the reader site. Article URLs carry a stable id; the slug is cosmetic."""

from django.urls import path, register_converter

from articles import feeds, preview, sitemaps
from articles.caching import cache_public_page
from articles.converters import TextConverter
from articles.search import views as search_views
from articles.views import detail, engagement, home, lists

app_name = "articles"
register_converter(TextConverter, "text")

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("search/", search_views.search, name="search"),
    path("latest/", lists.LatestView.as_view(), name="latest"),
    path("a/<int:pk>/", detail.article_detail, name="detail_short"),
    path("a/<int:pk>/<text:slug>/", detail.article_detail, name="detail"),
    # <text:slug>: tag slugs are Chinese, and a region's Chinese name redirects.
    path("region/<text:slug>/", lists.RegionView.as_view(), name="region"),
    path("tag/<text:slug>/", lists.TagView.as_view(), name="tag"),
    path("author/<text:slug>/", lists.AuthorView.as_view(), name="author"),
    path("feed/", feeds.LatestFeed(), name="feed"),
    path("feed/atom/", feeds.LatestAtomFeed(), name="feed_atom"),
    path("region/<text:slug>/feed/", feeds.RegionFeed(), name="region_feed"),
    path("region/<text:slug>/feed/atom/", feeds.RegionAtomFeed(), name="region_feed_atom"),
    path("tag/<text:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("tag/<text:slug>/feed/atom/", feeds.TagAtomFeed(), name="tag_feed_atom"),
    path("author/<text:slug>/feed/", feeds.AuthorFeed(), name="author_feed"),
    path("author/<text:slug>/feed/atom/", feeds.AuthorAtomFeed(), name="author_feed_atom"),
    path("sitemap.xml", sitemaps.sitemap_root, name="sitemap"),
    path("sitemap-news.xml", sitemaps.news_sitemap, name="news_sitemap"),
    path("sitemap-<text:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("e/read/<int:pk>/", engagement.beacon, name="beacon"),
    path("e/like/<int:pk>/", engagement.like, name="like"),
    path("report/<int:pk>/", engagement.report, name="report"),
    path("preview/<str:token>/", preview.article_preview, name="preview"),
]

# Anonymous readers get these from the versioned, per-minute page cache (articles/caching.py).
PAGE_CACHED = {"home", "latest", "detail_short", "detail", "region", "tag", "author"}
for _pattern in urlpatterns:
    if _pattern.name in PAGE_CACHED or "feed" in (_pattern.name or ""):
        _pattern.callback = cache_public_page(_pattern.callback)
