"""What every reader page shares: canonical URL, breadcrumbs, keyset pages, sidebar context.

The sidebars (`hot_reads()`/`recommended()` in articles/templating.py) read `shown_ids`
from the context and skip those articles, so an article appears at most once on a page.
"""

from django.shortcuts import redirect
from django.utils.encoding import escape_uri_path
from django.views.generic import TemplateView
from django.views.generic.base import ContextMixin

from articles import structured
from articles.models import SiteSettings
from articles.paging import keyset_page
from articles.selectors import card_queryset


class ReaderMixin(ContextMixin):
    """The context every reader page has: site root URL, canonical URL and `shown_ids`."""

    def canonical_path(self):
        # request.path is decoded (/tag/港口/); links and canonical URLs are percent-encoded.
        return escape_uri_path(self.request.path)

    def breadcrumbs(self):
        """[(name, url), ...] after the home page; empty on the home page itself."""
        return []

    def get_context_data(self, **kwargs):
        site = SiteSettings.current()
        crumbs = self.breadcrumbs()
        context = {
            "site_url": site["url"],
            "canonical_url": site["url"] + self.canonical_path(),
            "shown_ids": set(),
            "breadcrumbs": crumbs,
        }
        if crumbs:
            context["breadcrumb_ld"] = structured.breadcrumb_list(
                [(site["name"], "/"), *crumbs], site["url"]
            )
        return super().get_context_data(**context | kwargs)


class ArticleListView(ReaderMixin, TemplateView):
    """A keyset-paged list of listed articles; subclasses narrow `articles()` and name it."""

    template_name = "articles/list.html"
    page_size = 20

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object is not None and kwargs.get("slug", self.object.slug) != self.object.slug:
            # Reached by its name (/tag/人工智能/ for slug ren-gong-zhi-neng): one hop to the slug.
            return redirect(self.object, permanent=True)
        self.page = keyset_page(self.articles(), request.GET, self.page_size)
        return super().get(request, *args, **kwargs)

    def get_object(self):
        return None

    def articles(self):
        return card_queryset()

    def feeds(self):
        """[(label, url), ...] of this list's RSS and Atom feeds."""
        return []

    def canonical_path(self):
        # Only the page cursor names a different page; any other parameter is noise.
        for name in ("before", "after"):
            if self.request.GET.get(name):
                return f"{super().canonical_path()}?{name}={self.request.GET[name]}"
        return super().canonical_path()

    def get_title(self):
        return ""

    def get_description(self):
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        items = self.page.items
        context.update(
            object=self.object,
            page=self.page,
            articles=items,
            title=self.get_title(),
            description=self.get_description(),
            feeds=self.feeds(),
            item_list_ld=structured.item_list(items, context["site_url"]),
        )
        context["shown_ids"].update(a.pk for a in items)
        return context
