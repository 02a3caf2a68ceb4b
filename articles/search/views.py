"""/search/: the search page, its filters, highlighted results and pages."""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from articles.caching import cache_public_page, content_version
from articles.models import Article, Region
from articles.ratelimit import rate_limited
from articles.search import snippets
from articles.search import text as search_text
from articles.search.engine import WINDOW, ranked_ids
from articles.search.forms import SearchForm
from articles.search.query import MAX_QUERY_CHARS
from articles.views.mixins import ReaderMixin

PAGE_SIZE = 20
IDS_CACHE_SECONDS = 60
BOX_CHARS = 200


@dataclass
class Result:
    article: Article
    title: SafeString
    snippet: SafeString


def cached_ranked_ids(search):
    """Ranked ids, shared by every page of one search until content changes."""
    digest = hashlib.md5(search.key().encode(), usedforsecurity=False).hexdigest()
    key = f"search:v{content_version()}:{digest}"
    ids = cache.get(key)
    if ids is None:
        ids = ranked_ids(search)
        cache.set(key, ids, IDS_CACHE_SECONDS)
    return ids


def results(ids, needles):
    """The page's articles in rank order, checked against listed() once more."""
    articles = Article.objects.listed().for_cards().defer(None).in_bulk(ids)
    found = []
    for pk in ids:
        if article := articles.get(pk):
            summary, matched = snippets.snippet(search_text.html_to_text(article.summary), needles)
            if not matched:
                start = search_text.html_to_text(article.body[: snippets.SOURCE_CHARS * 2])
                body, matched = snippets.snippet(start, needles)
                summary = body if matched or not article.summary else summary
            title = snippets.highlight(article.title, needles)
            found.append(Result(article, title, summary))
    return found


def page_number(value):
    """A page number from any input: junk and numbers below 1 mean the first page."""
    try:
        return max(1, min(int(value), 10**6))
    except (TypeError, ValueError):
        return 1


class SearchView(ReaderMixin, TemplateView):
    template_name = "articles/search.html"

    def breadcrumbs(self):
        return [(_("搜索"), reverse("articles:search"))]

    def get_context_data(self, **kwargs):
        form = SearchForm(self.request.GET)
        context = super().get_context_data(form=form, notices=[], results=[], **kwargs)
        # The box keeps what was typed, cleaned of control characters and cut to size.
        context["box"] = search_text.clean(self.request.GET.get("q", ""))[:BOX_CHARS]
        context["provinces"] = Region.objects.filter(parent__isnull=True)
        if not form.is_valid():
            return context
        search = form.search()
        context.update(search=search, query=search.query)
        notices = context["notices"]
        if search.query.truncated:
            notices.append(_("关键词太长，只用了前 %(n)d 个字。") % {"n": MAX_QUERY_CHARS})
        if not search.query:
            if form.cleaned_data["q"]:
                notices.append(_("关键词里没有可以搜索的文字，请换用汉字、字母或数字。"))
            return context
        ids = cached_ranked_ids(search)
        paginator = Paginator(ids, PAGE_SIZE)
        wanted = page_number(self.request.GET.get("page"))
        page = paginator.get_page(wanted)
        if ids and wanted > paginator.num_pages:
            notices.append(_("没有第 %(n)d 页，这是最后一页。") % {"n": wanted})
        context.update(
            searched=True,
            page=page,
            total=len(ids),
            capped=len(ids) >= WINDOW,
            found_text=ngettext("找到 %(n)s 篇文章。", "找到 %(n)s 篇文章。", len(ids))
            % {"n": len(ids)},
            results=results(page.object_list, search.query.highlights),
        )
        return context


search = rate_limited("search")(cache_public_page(SearchView.as_view()))
