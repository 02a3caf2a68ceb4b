"""The article lists: latest, region, tag and author, each keyset-paged."""

from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.models import Author, Region, Tag
from articles.selectors import card_queryset, credited_to, in_region, tagged_with
from articles.views.mixins import ArticleListView


def _feeds(name, **kwargs):
    return [
        ("RSS", reverse(f"articles:{name}", kwargs=kwargs)),
        ("Atom", reverse(f"articles:{name}_atom", kwargs=kwargs)),
    ]


class LatestView(ArticleListView):
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

    def get(self, request, *args, **kwargs):
        slug = kwargs["slug"]
        self.region = Region.objects.select_related("parent").filter(slug=slug).first()
        if self.region is None:
            # /region/浙江/ or /region/温州市/: a Chinese name answers with the slug URL.
            named = Region.objects.filter(Q(name=slug) | Q(full_name=slug))
            region = named.order_by(F("parent_id").asc(nulls_first=True), "position").first()
            if region is None:
                raise Http404("no such region")
            return redirect(region, permanent=True)
        return super().get(request, *args, **kwargs)

    def get_object(self):
        return self.region

    def articles(self):
        return card_queryset().filter(in_region(self.region))

    def get_title(self):
        return self.region.full_name

    def get_description(self):
        return _("%(region)s的最新报道。") % {"region": self.region.full_name}

    def breadcrumbs(self):
        crumbs = [(self.region.full_name, self.region.get_absolute_url())]
        if self.region.parent_id:
            parent = self.region.parent
            crumbs.insert(0, (parent.full_name, parent.get_absolute_url()))
        return crumbs

    def feeds(self):
        return _feeds("region_feed", slug=self.region.slug)

    def get_context_data(self, **kwargs):
        cities = list(self.region.children.all()) if self.region.is_provincial else []
        return super().get_context_data(cities=cities, **kwargs)


class TagView(ArticleListView):
    def get_object(self):
        slug = self.kwargs["slug"]
        tag = Tag.objects.filter(slug=slug).first() or Tag.objects.filter(name=slug).first()
        if tag is None:
            raise Http404("no such tag")
        return tag

    def articles(self):
        return card_queryset().filter(tagged_with(self.object))

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
        return get_object_or_404(Author, slug=self.kwargs["slug"])

    def articles(self):
        return card_queryset().filter(credited_to(self.object))

    def get_title(self):
        return self.object.name

    def get_description(self):
        return self.object.bio or _("%(name)s的报道和图片。") % {"name": self.object.name}

    def breadcrumbs(self):
        return [(self.object.name, self.object.get_absolute_url())]

    def feeds(self):
        return _feeds("author_feed", slug=self.object.slug)
