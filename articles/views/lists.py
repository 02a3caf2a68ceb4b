"""The article lists: latest, region, tag and author, each keyset-paged."""

from django.db.models import Case, F, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.models import Region, Tag
from articles.paging import PageBounds
from articles.selectors import authors, card_queryset, credited_to, in_region, tagged_with
from articles.views.mixins import ArticleListView


def _feeds(name, **kwargs):
    return [
        ("RSS", reverse(f"articles:{name}", kwargs=kwargs)),
        ("Atom", reverse(f"articles:{name}_atom", kwargs=kwargs)),
    ]


def by_slug_or_name(queryset, slug, name_fields, prefer=()):
    """The row with this slug, else one with this name (/region/浙江/, /tag/人工智能/), in
    one query; among same-named rows the `prefer` ordering decides. ArticleListView
    redirects a name to the slug URL."""
    names = Q()
    for field in name_fields:
        names |= Q(**{field: slug})
    found = (
        queryset.filter(Q(slug=slug) | names)
        .annotate(by_name=Case(When(slug=slug, then=Value(0)), default=Value(1)))
        .order_by("by_name", *prefer, "pk")
        .first()
    )
    if found is None:
        raise Http404("nothing by that slug or name")
    return found


class LatestView(ArticleListView):
    """The newest listed articles."""

    def get_title(self):
        return _("最新")

    def get_description(self):
        return _("全部最新报道，按发布时间排列。")

    def breadcrumbs(self):
        return [(_("最新"), reverse("articles:latest"))]

    def feeds(self):
        return _feeds("feed")


class RegionView(ArticleListView):
    """A region's articles; a province's page includes its cities' (via Article.province)."""

    template_name = "articles/region.html"

    def get_object(self):
        return by_slug_or_name(
            Region.objects.select_related("parent"),
            self.kwargs["slug"],
            ("name", "full_name"),
            # A province before a city of the same name.
            prefer=(F("parent_id").asc(nulls_first=True),),
        )

    def articles(self):
        return card_queryset().filter(in_region(self.object))

    def get_title(self):
        return self.object.full_name

    def get_description(self):
        return _("%(region)s的最新报道。") % {"region": self.object.full_name}

    def breadcrumbs(self):
        crumbs = [(self.object.full_name, self.object.get_absolute_url())]
        if self.object.parent_id:
            parent = self.object.parent
            crumbs.insert(0, (parent.full_name, parent.get_absolute_url()))
        return crumbs

    def feeds(self):
        return _feeds("region_feed", slug=self.object.slug)

    def get_context_data(self, **kwargs):
        cities = list(self.object.children.all()) if self.object.is_provincial else []
        return super().get_context_data(cities=cities, **kwargs)


class TagView(ArticleListView):
    def get_object(self):
        return by_slug_or_name(Tag.objects.all(), self.kwargs["slug"], ("name",))

    def articles(self):
        bounds = PageBounds.from_params(self.request.GET, self.page_size + 1)
        return card_queryset().filter(tagged_with(self.object, bounds))

    def get_title(self):
        return _("标签：%(tag)s") % {"tag": self.object.name}

    def get_description(self):
        return _("关于“%(tag)s”的报道。") % {"tag": self.object.name}

    def breadcrumbs(self):
        return [(self.object.name, self.object.get_absolute_url())]

    def feeds(self):
        return _feeds("tag_feed", slug=self.object.slug)


class AuthorView(ArticleListView):
    """Everything an author is credited on: bylines, lead photos and inline photos."""

    template_name = "articles/author.html"

    def get_object(self):
        return get_object_or_404(authors(), slug=self.kwargs["slug"])

    def articles(self):
        bounds = PageBounds.from_params(self.request.GET, self.page_size + 1)
        return card_queryset().filter(credited_to(self.object, bounds))

    def get_title(self):
        return self.object.name

    def get_description(self):
        return self.object.bio or _("%(name)s的报道和图片。") % {"name": self.object.name}

    def breadcrumbs(self):
        return [(self.object.name, self.object.get_absolute_url())]

    def feeds(self):
        return _feeds("author_feed", slug=self.object.slug)
