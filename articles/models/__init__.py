"""The newsroom's models, one module per subject."""

from articles.models.articles import Article, ArticlePhoto, ArticleQuerySet, Byline, Correction
from articles.models.counters import CounterFlush
from articles.models.engagement import DailyReads, Like, Report
from articles.models.hot import HotPick
from articles.models.people import Author
from articles.models.photos import Photo
from articles.models.regions import Region
from articles.models.search import SearchDocument
from articles.models.site import SiteSettings
from articles.models.tags import Tag, TaggedArticle

__all__ = [
    "Article",
    "ArticlePhoto",
    "ArticleQuerySet",
    "Author",
    "Byline",
    "Correction",
    "CounterFlush",
    "DailyReads",
    "HotPick",
    "Like",
    "Photo",
    "Region",
    "Report",
    "SearchDocument",
    "SiteSettings",
    "Tag",
    "TaggedArticle",
]
