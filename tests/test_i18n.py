"""The English locale: /en/ pages and the admin read in English, the root stays Chinese,
and the committed catalog is complete and compiled.

The source strings are Chinese, so an untranslated English page would quietly show
Chinese; these tests catch that for the labels readers meet first.
"""

import ast
import gettext
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from articles import caching, hot, text
from tests.conftest import clear_cache
from tests.factories import ArticleFactory, DailyReadsFactory

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "articles"]


def read_po(path):
    """Entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr[...], flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, field = {"flags": ""}, None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] += line[2:]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[field] += ast.literal_eval(line)
            else:
                field, _, value = line.partition(" ")
                entry[field] = ast.literal_eval(value)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def msgstrs(entry):
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@pytest.fixture
def story(db):
    """Enough read and recommended articles that both sidebars have some left over after
    the home page's main column; the newest is the one the tests open."""
    now = timezone.now()
    stories = [
        ArticleFactory(
            publish_at=now - timedelta(minutes=i + 1),
            recommended_until=now + timedelta(days=1),
        )
        for i in range(30)
    ]
    for article in stories:
        DailyReadsFactory(article=article, count=500)
    return stories[0]


def get(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


def url_in(language, article):
    with translation.override(language):
        return article.get_absolute_url()


@pytest.fixture(autouse=True)
def _default_language_after():
    """A request to /en/ leaves English active in the thread; later tests expect Chinese."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.django_db
def test_english_home_page_has_english_labels_and_lang(client, story):
    """/en/ shows the sidebars, navigation and footer in English with <html lang="en">."""
    html = get(client, "/en/")
    assert '<html lang="en">' in html
    for label in ("Hot reads", "Recommended", "Latest", "Skip to content", "Sitemap"):
        assert label in html, label
    for chinese in ("热门导读", "热点推荐", "跳到正文", "网站地图"):
        assert chinese not in html, chinese
    assert story.title in html  # the content itself is not translated


@pytest.mark.django_db
def test_root_home_page_stays_chinese(client, story):
    """The root is the Chinese site, whatever the browser asks for."""
    html = get(client, "/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="zh-Hans">' in html
    assert "热门导读" in html and "热点推荐" in html
    assert "Hot reads" not in html


@pytest.mark.django_db
def test_english_article_page_has_english_labels(client, story):
    """The article page under /en/: reads, like and report, meta labels and the end mark."""
    url = url_in("en", story)
    assert url.startswith("/en/")
    html = get(client, url)
    assert '<html lang="en">' in html
    for label in ("Reads", ">Like<", "Report", "Published: ", "Source: ", "(END)", "Hot reads"):
        assert label in html, label
    for chinese in ("阅读", "举报", "发布时间", "热门导读", "(完)", "：<time"):
        assert chinese not in html, chinese


@pytest.mark.django_db
def test_chinese_article_page_keeps_chinese_labels(client, story):
    html = get(client, url_in("zh-hans", story))
    assert '<html lang="zh-Hans">' in html
    for label in ("阅读", "支持", "举报", "发布时间：", "(完)"):
        assert label in html, label
    assert "Reads" not in html and "Report" not in html


@pytest.mark.django_db
def test_english_pages_cost_the_same_queries_as_chinese(client, story):
    """Translation adds no queries: /en/ and / run the same number on a cold cache."""
    counts = []
    hot.refresh()  # ranked beforehand (flush_counters), not by whichever page comes first
    for url in ("/", "/en/", url_in("zh-hans", story), url_in("en", story)):
        clear_cache()
        caching.forget_version()
        with CaptureQueriesContext(connection) as queries:
            get(client, url)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[2] == counts[3]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "how", [{"HTTP_ACCEPT_LANGUAGE": "en"}, {"cookie": "en"}], ids=["header", "cookie"]
)
def test_admin_in_english_shows_translated_model_names(client, superuser, how):
    """Accept-Language or the language cookie turns the admin English, plurals included."""
    client.force_login(superuser)
    if "cookie" in how:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = how.pop("cookie")
    html = get(client, f"/{settings.ADMIN_URL}", **how)
    for name in ("Articles", "Authors", "Regions", "Photos", "Reports", "Site settings"):
        assert f">{name}<" in html, name
    assert ">文章<" not in html


@pytest.mark.django_db
def test_admin_defaults_to_chinese(client, superuser):
    client.force_login(superuser)
    html = get(client, f"/{settings.ADMIN_URL}")
    assert ">文章<" in html and ">Articles<" not in html


def test_every_message_has_an_english_translation():
    """No empty or fuzzy entries: an untranslated msgid would show Chinese on /en/."""
    entries = read_po(LOCALE / "django.po")[1:]  # the first is the header
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(msgstrs(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_english_translations_keep_their_placeholders():
    """%(name)s, %d and {name} placeholders survive translation, or formatting would fail."""
    placeholder = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdr]|\{\w+\}")
    for entry in read_po(LOCALE / "django.po")[1:]:
        if "python-format" not in entry["flags"] and "brace-format" not in entry["flags"]:
            continue
        wanted = sorted(placeholder.findall(entry.get("msgid_plural", entry["msgid"])))
        for value in msgstrs(entry):
            assert sorted(placeholder.findall(value)) == wanted, entry["msgid"]


def test_compiled_catalog_matches_the_po_file():
    """The committed .mo is compiled from the current .po (a fresh machine may lack gettext)."""
    with (LOCALE / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    for entry in read_po(LOCALE / "django.po")[1:]:
        key = entry["msgid"]
        if "msgctxt" in entry:
            key = f"{entry['msgctxt']}\x04{key}"
        if "msgid_plural" in entry:
            assert catalog._catalog.get((key, 0)) == entry["msgstr[0]"], key
            assert catalog._catalog.get((key, 1)) == entry["msgstr[1]"], key
        else:
            assert catalog._catalog.get(key) == entry["msgstr"], key


def test_every_template_translate_tag_is_in_the_catalog():
    """A {{ _("…") }} (Jinja2) or {% translate "…" %} (admin) added to a template after the
    last makemessages shows up here."""
    msgids = {entry["msgid"] for entry in read_po(LOCALE / "django.po")}
    tag = re.compile(r"""(?:{%\s*translate\s+|\b_\()(?:"([^"]*)"|'([^']*)')""")
    missing = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            for match in tag.finditer(path.read_text(encoding="utf-8")):
                msgid = match.group(1) if match.group(1) is not None else match.group(2)
                if msgid not in msgids:
                    missing.append(f"{path.name}: {msgid}")
    assert missing == []


def test_counts_and_dates_read_naturally_in_english():
    """万 is a Chinese unit: English pages group digits instead; dates are ISO-like."""
    moment = datetime(2026, 1, 16, 10, 39, tzinfo=UTC)
    with translation.override("en"):
        assert text.short_count(7_298_663) == "7,298,663"
        assert text.short_count(9_999) == "9999"
        assert text.chinese_datetime(moment) == "2026-01-16 18:39"
        assert text.month_day(moment.date()) == "1/16"
    with translation.override("zh-hans"):
        assert text.short_count(7_298_663) == "729.9万"
        assert text.chinese_datetime(moment) == "2026年01月16日 18:39"
