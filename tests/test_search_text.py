"""Normalisation, segmentation, query building and highlighting (no database needed)."""

import re

import pytest

from articles.search import query, snippets
from articles.search import text as search_text

# A tsquery made only of quoted lexemes (optionally :*), parentheses, & and |.
SAFE_TSQUERY = re.compile(r"^(?:\s|[()&|]|'(?:[^'\\]|'')+'(?::\*)?)+$")


def test_traditional_and_full_width_text_is_normalised_to_one_spelling():
    """溫州/ＡＩ and 温州/ai come out the same, so either finds the other."""
    assert search_text.normalize("溫州數安港ＡＩ") == search_text.normalize("温州数安港ai")
    assert search_text.normalize("臺灣 颱風") == "台湾 台风"


def test_segmentation_keeps_words_and_the_words_inside_them():
    """Search mode emits 人工智能 and its parts; Latin and digits stay whole tokens."""
    tokens = search_text.tokens(search_text.normalize("人工智能助力iPhone15 5G手机"))
    assert {"人工智能", "人工", "智能", "iphone15", "5g", "手机"} <= set(tokens)


def test_the_newsroom_dictionary_adds_its_terms():
    """新质生产力 and 数安港 are single words thanks to news_words.txt."""
    assert "新质生产力" in search_text.query_tokens("加快培育新质生产力")
    assert "数安港" in search_text.query_tokens("温州数安港发布新规")


def test_grams_cover_every_character_pair_that_is_not_a_word():
    """Pairs across word boundaries and the last character of a run become marked grams."""
    text = search_text.normalize("中华为民族")
    grams = search_text.grams(text, set(search_text.tokens(text)))
    assert "~华为" in grams
    assert "~族" in grams or "民族" in search_text.tokens(text)


def test_a_query_keeps_words_and_joins_single_characters():
    """温州的人工智能 → 温州 and 人工智能 (的 dropped); 州温 stays one substring term."""
    parsed = query.parse("温州的人工智能")
    assert [t.text for t in parsed.terms] == ["温州", "人工智能"]
    assert [t.text for t in query.parse("州温").terms] == ["州温"]


def test_a_character_split_off_a_run_is_matched_exactly_with_its_neighbours():
    """不 of 不存在 (a prefix would gather every word 不 starts) vs 茶 typed on its own."""
    split_off = query.parse("不存在的记录").terms[0]
    assert (split_off.text, split_off.after) == ("不", "存")
    assert ":*" not in split_off.tsquery()
    assert {"'不存'", "'~不存'", "'不'"} <= set(split_off.tsquery().split(" | "))
    assert query.parse("茶").tsquery() == "('茶':* | '~茶':*)"
    # The neighbours change the query, so they are part of its cache key.
    assert query.parse("温州茶").key() != query.parse("温州 茶").key()


def test_mixed_chinese_latin_and_number_queries_become_three_terms():
    parsed = query.parse("AI 浙江 2026")
    assert [(t.text, t.kind) for t in parsed.terms] == [
        ("ai", query.Term.LATIN),
        ("浙江", query.Term.HAN),
        ("2026", query.Term.LATIN),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        "a & b | !c:* (d) 'e'",
        "'; DROP TABLE articles_article; --",
        "100% 真_实",
        "\\' \\\\ '' \"",
        "温州' | '人工",
        "x" * 10_000,
        "温" * 10_000,
    ],
)
def test_any_input_becomes_a_tsquery_of_quoted_lexemes(raw):
    """Operators, quotes and SQL never survive; the result is well-formed or empty."""
    parsed = query.parse(raw)
    if parsed:
        assert SAFE_TSQUERY.match(parsed.tsquery()), parsed.tsquery()
        assert len(parsed.terms) <= query.MAX_TERMS


def test_a_long_query_is_cut_and_says_so():
    parsed = query.parse("温州" * 200)
    assert parsed.truncated
    assert len(parsed.text) == query.MAX_QUERY_CHARS


def test_nothing_searchable_gives_an_empty_query():
    """Emoji, punctuation and control characters alone leave nothing to search."""
    for raw in ("", "   ", "😀🎉", "&|!():*'", "\x00\x01\x1f", "\ufffd"):
        assert not query.parse(raw)


def test_highlight_marks_matches_and_escapes_everything_else():
    html = snippets.highlight("<b>温州</b> & 溫州", ["温州"])
    assert html == "&lt;b&gt;<mark>温州</mark>&lt;/b&gt; &amp; <mark>溫州</mark>"


def test_latin_terms_are_marked_only_at_the_start_of_a_word():
    assert str(snippets.highlight("AI said", ["ai"])) == "<mark>AI</mark> said"


def test_a_snippet_is_cut_around_the_first_match():
    text = "开头" * 100 + "温州数安港" + "结尾" * 100
    html, matched = snippets.snippet(text, ["数安港"], size=40)
    assert matched
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>数安港</mark>" in html
