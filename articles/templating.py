"""The Jinja2 environment the reader site's templates (templates/jinja2/) render with.

Django's template engine spent about half of an uncached article page's CPU: it resolves
every variable and tag node by node on each render. Jinja2 compiles a template to Python
once; the same HTML then cost 3.9 instead of 5.2 ms of CPU a page (in-process, the
rest being queries and the helpers below). The admin keeps Django's engine
(templates/admin/ and the apps' own templates).

What the templates get besides the view's context (see `environment()`):

    {{ _("首页") }}                      gettext; extracted by makemessages like {% translate %}
    {{ _("【编辑:%(name)s】")|fmt(name=x) }}   a translation with escaped values put in
    {{ url("articles:tag", slug=t) }}    reverse(), remembered (articles.links)
    {{ static("css/site.css") }}         the hashed static file's URL
    {{ value|cn_datetime }}  {{ value|iso_datetime }}  {{ n|wan }}  {{ a|card_excerpt }}
    {{ data|json_ld }}                   JSON-LD, safe inside <script>
    hot_reads() / recommended()          the sidebars' articles, each shown once a page
"""

import json

import jinja2
from django.template.backends import jinja2 as django_jinja2
from django.template.defaultfilters import truncatechars
from django.templatetags.static import static
from django.test.signals import template_rendered
from django.utils.translation import get_language, gettext
from markupsafe import Markup

from articles import hot, pictures, text
from articles.engagement import engagement_for, flash_messages
from articles.links import reverse

SIDEBAR_LENGTH = 8
# What json.dumps leaves as is but would end or confuse a <script> data block.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def environment(**options):
    # Always escaped, whatever the settings say: every page shows text editors and readers wrote.
    options.pop("autoescape", None)
    # As Django's engine: a missing value (`site` on the 500 page) prints nothing.
    options["undefined"] = jinja2.ChainableUndefined
    env = jinja2.Environment(autoescape=True, **options)
    env.globals.update(
        _=gettext,
        url=url,
        static=static,
        get_language=get_language,
        querystring=querystring,
        hot_reads=hot_reads,
        recommended=recommended,
        picture_context=pictures.picture_context,
        preload_image=pictures.preload_image,
        engagement_for=engagement_for,
        flash_messages=flash_messages,
    )
    env.filters.update(
        fmt=fmt,
        wan=text.short_count,
        cn_datetime=text.chinese_datetime,
        iso_datetime=text.iso_datetime,
        card_excerpt=card_excerpt,
        json_ld=json_ld,
        truncatechars=truncatechars,
    )
    return env


def url(viewname, **kwargs):
    return reverse(viewname, kwargs or None)


def fmt(translated, **values):
    """A translation with its `%(name)s` places filled, as {% blocktranslate %} does: the
    text comes from our own catalogues and may hold markup; the values are escaped."""
    return Markup(translated) % values  # noqa: S704 - our catalogues; % escapes the values


@jinja2.pass_context
def querystring(context, **changes):
    """The current query string with `changes` applied (None drops a key), as Django's tag."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return f"?{params.urlencode()}"


def card_excerpt(article, length=80):
    """A card's text: the summary, else the start of the body (see `card_queryset`)."""
    source = article.summary or text.plain_text(getattr(article, "body_start", ""))
    return text.excerpt(source, int(length))


def json_ld(data):
    """A dict as the body of <script type="application/ld+json">, safe inside HTML."""
    return Markup(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))  # noqa: S704


def _unseen(context, candidates, limit):
    shown = context.get("shown_ids")
    if shown is None:
        return list(candidates[:limit])
    picked = [article for article in candidates if article.pk not in shown][:limit]
    shown.update(article.pk for article in picked)
    return picked


def _hot_lists(context):
    # Both sidebars come from one read of the stored lists; keep it for the request.
    request = context.get("request")
    found = getattr(request, "_hot_lists", None)
    if found is None:
        found = hot.lists()
        if request is not None:
            request._hot_lists = found
    return found


@jinja2.pass_context
def hot_reads(context, limit=SIDEBAR_LENGTH):
    """热门导读: the most-read articles of the last day (see articles.hot)."""
    return _unseen(context, _hot_lists(context)[hot.HotPick.Kind.READS], limit)


@jinja2.pass_context
def recommended(context, limit=SIDEBAR_LENGTH):
    """热点推荐: editors' picks, then the most liked of the last three days."""
    return _unseen(context, _hot_lists(context)[hot.HotPick.Kind.RECOMMENDED], limit)


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 backend, whose templates tell the test client what they rendered.

    Django's own engine does the same through test instrumentation; with nobody listening
    (outside tests) sending costs one attribute check.
    """

    def from_string(self, template_code):
        return Template(super().from_string(template_code).template, self)

    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)


class Template(django_jinja2.Template):
    @property
    def name(self):
        return self.template.name

    def render(self, context=None, request=None):
        context = {} if context is None else context
        html = super().render(context, request)
        if template_rendered.receivers:
            template_rendered.send(sender=self, template=self, context=context)
        return html
