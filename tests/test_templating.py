"""The reader site's Jinja2 environment: escaping, translations with values, query strings."""

from django.template import engines
from django.test import RequestFactory

from articles import templating


def render(source, **context):
    return engines["jinja2"].from_string(source).render(context)


def test_everything_is_escaped_even_if_the_settings_ask_otherwise():
    """Readers' and editors' text never becomes markup, whatever OPTIONS say."""
    env = templating.environment(autoescape=False)
    assert env.from_string("{{ t }}").render(t="<script>") == "&lt;script&gt;"
    assert render("{{ t }}", t='"><img onerror=x>') == "&#34;&gt;&lt;img onerror=x&gt;"


def test_a_translation_keeps_its_markup_and_escapes_its_values():
    """As {% blocktranslate %}: the catalogue's text is trusted, the values are not."""
    html = render(
        '{{ _("<span data-like-count>%(count)s</span>人支持")|fmt(count=n) }}', n="<b>9</b>"
    )
    assert html == "<span data-like-count>&lt;b&gt;9&lt;/b&gt;</span>人支持"


def test_a_missing_value_prints_nothing():
    """The 500 page renders without `site`: a missing value is empty, as in Django's engine."""
    assert render("[{{ site.name }}]") == "[]"


def test_querystring_changes_and_drops_keys_and_escapes():
    request = RequestFactory().get("/search/", {"q": "温州 & 人工", "page": "3", "order": "new"})
    html = render('<a href="{{ querystring(order=None, page=2) }}">', request=request)
    assert html == '<a href="?q=%E6%B8%A9%E5%B7%9E+%26+%E4%BA%BA%E5%B7%A5&amp;page=2">'


def test_sidebars_skip_articles_already_on_the_page(monkeypatch):
    """An article shown in the main column (or the first sidebar) is not listed again."""

    class Card:
        def __init__(self, pk):
            self.pk = pk

    lists = {
        templating.hot.HotPick.Kind.READS: [Card(1), Card(2), Card(3)],
        templating.hot.HotPick.Kind.RECOMMENDED: [Card(2), Card(3), Card(4)],
    }
    monkeypatch.setattr(templating.hot, "lists", lambda: lists)
    html = render(
        "{% for a in hot_reads(2) %}{{ a.pk }}{% endfor %}|"
        "{% for a in recommended(5) %}{{ a.pk }}{% endfor %}",
        shown_ids={1},
    )
    assert html == "23|4"
