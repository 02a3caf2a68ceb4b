"""RSS 2.0 and Atom feeds: the whole site, and each region, tag and author.

Every feed is the newest listed articles, fetched in a fixed number of queries
(articles, bylines, tags) whatever the feed's length.
"""

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext_lazy as _

from articles.models import Byline, Region, SiteSettings, Tag
from articles.paging import PageBounds
from articles.selectors import authors, card_queryset, credited_to, in_region, tagged_with
from articles.text import excerpt, plain_text

FEED_LENGTH = 30


class LatestFeed(Feed):
    feed_type = Rss201rev2Feed
    language = "zh-cn"

    def filter_articles(self, queryset, obj):
        return queryset

    def heading(self, obj):
        return _("最新")

    def title(self, obj=None):
        return f"{SiteSettings.current()['name']} · {self.heading(obj)}"

    def link(self, obj=None):
        return obj.get_absolute_url() if obj is not None else reverse("articles:latest")

    def description(self, obj=None):
        return _("%(site)s的最新报道") % {"site": SiteSettings.current()["name"]}

    subtitle = description

    def items(self, obj=None):
        articles = self.filter_articles(card_queryset(), obj).prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author")), "tags"
        )
        return articles.newest_first()[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return excerpt(item.summary or plain_text(item.body_start), 200)

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.publish_at)

    def item_author_name(self, item):
        names = [b.author.name for b in item.bylines.all() if b.role != Byline.Role.PHOTOGRAPHER]
        return " ".join(names) or item.source

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]


class LatestAtomFeed(LatestFeed):
    feed_type = Atom1Feed


class RegionFeed(LatestFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Region, slug=slug)

    def heading(self, obj):
        return obj.full_name

    def filter_articles(self, queryset, obj):
        return queryset.filter(in_region(obj))


class TagFeed(LatestFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def heading(self, obj):
        return _("标签：%(tag)s") % {"tag": obj.name}

    def filter_articles(self, queryset, obj):
        return queryset.filter(tagged_with(obj, PageBounds(FEED_LENGTH)))


class AuthorFeed(LatestFeed):
    def get_object(self, request, slug):
        return get_object_or_404(authors(), slug=slug)

    def heading(self, obj):
        return obj.name

    def filter_articles(self, queryset, obj):
        return queryset.filter(credited_to(obj, PageBounds(FEED_LENGTH)))


class RegionAtomFeed(RegionFeed):
    feed_type = Atom1Feed


class TagAtomFeed(TagFeed):
    feed_type = Atom1Feed


class AuthorAtomFeed(AuthorFeed):
    feed_type = Atom1Feed
