"""Chinese text made searchable: normalisation, word segmentation and character grams.

Documents and queries go through the same steps, so they meet on the same tokens:
full-width letters and digits folded (ＡＩ → ai), traditional → simplified (OpenCC t2s),
lower case, then jieba segmentation (jieba-rs through `rjieba`: jieba's dictionary and
algorithm, ~25x faster) in search mode, which also emits the dictionary words inside long
words (人工智能 → 人工, 智能).

Words make "温州" match as a word. So that any substring and any single character still
finds an article, documents also carry *grams*: every adjacent pair of Han characters that
is not already a word, plus the last character of each run, marked with GRAM_MARK. A
substring query becomes "all its pairs", a single character a prefix search (see query.py).
"""

import functools
import html
import re
from pathlib import Path

GRAM_MARK = "~"
# Longer fields are cut before indexing: a tsvector is limited to 1 MB, and the first
# 30,000 characters of a news story say what it is about.
MAX_INDEXED_CHARS = 30_000
MAX_TOKEN_CHARS = 40
DICTIONARY = Path(__file__).with_name("news_words.txt")

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RUN = re.compile(f"[{HAN}]+")
# A token is one run of Han characters, of ASCII letters/digits, or of other letters; each
# kind is kept apart so PostgreSQL's parser sees exactly one word per token.
TOKEN = re.compile(f"[{HAN}]+|[0-9a-z]+|[^\\W_0-9a-z{HAN}]+")
TAG = re.compile(r"<[^>]*>")
PARTIAL_TAG = re.compile(r"<[^>]*$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
SPACES = re.compile(r"\s+")
# Full-width letters and digits (ＡＩ２０２６) as ASCII. Full NFKC would also fold them, but
# costs a quarter of a millisecond per article and changes nothing else a token is made of.
FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
FULL_WIDTH_CHARACTER = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


@functools.cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@functools.cache
def segmenter():
    """The process-wide jieba, built on first use with the newsroom's own words added."""
    import rjieba

    jieba = rjieba.Jieba()
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not line.startswith("#"):
            jieba.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None, None)
    return jieba


def html_to_text(markup):
    """The visible text of a sanitised body (tags become spaces so paragraphs stay apart).

    A tag cut off at the end (the body was sliced) is dropped too."""
    return html.unescape(TAG.sub(" ", PARTIAL_TAG.sub("", markup or "")))


def clean(text):
    """Text without control characters or lone surrogates, whitespace collapsed."""
    return SPACES.sub(" ", CONTROL.sub(" ", text or "")).strip()


def normalize(text):
    """The one spelling documents and queries share: half-width, simplified, lower case."""
    text = clean(text)
    if FULL_WIDTH_CHARACTER.search(text):
        text = text.translate(FULL_WIDTH)
    return _converter().convert(text).lower() if text else ""


def _split(pieces):
    """Segmenter output as tokens: words kept, punctuation dropped, mixed pieces split."""
    found = []
    for piece in pieces:
        if piece.isalnum():
            found.append(piece)
        elif len(piece) > 1:
            found.extend(TOKEN.findall(piece))
    return [token for token in found if len(token) <= MAX_TOKEN_CHARS]


def tokens(text):
    """Search-mode words of normalised text: "人工智能" → 人工, 智能, 人工智能."""
    return _split(segmenter().cut_for_search(text))


def query_tokens(text):
    """Precise-mode words of normalised query text: "温州人工智能" → 温州, 人工智能."""
    return _split(segmenter().cut(text))


def grams(text, words):
    """Marked character pairs (and run ends) of normalised text that are not words."""
    found = set()
    for run in HAN_RUN.findall(text):
        found.update(map(str.__add__, run, run[1:]))
        found.add(run[-1])
    return {GRAM_MARK + gram for gram in found.difference(words)}


def is_han(token):
    return bool(HAN_RUN.fullmatch(token))


def bigrams(token):
    return [token[i : i + 2] for i in range(len(token) - 1)]


def aligned_normalize(text):
    """`normalize` that keeps one output character per input character, for highlighting."""
    folded = clean_aligned(text)
    # Only full-width letters and digits can change a match; translate() costs ~0.2 ms
    # for a snippet's source text, and Chinese text is full of full-width punctuation.
    if FULL_WIDTH_CHARACTER.search(folded):
        folded = folded.translate(FULL_WIDTH)
    converted = _converter().convert(folded).lower()
    if len(converted) == len(folded):
        return converted
    # Rare: a conversion changed the length; fold character by character instead.
    return "".join(
        c if len(c := _converter().convert(char).lower()) == 1 else char for char in folded
    )


def clean_aligned(text):
    """Control characters as spaces, one for one (unlike `clean`, which collapses)."""
    return CONTROL.sub(" ", text)
