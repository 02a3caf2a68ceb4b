"""Turning whatever a reader typed into a safe query.

The input is normalised and segmented like documents are (text.py); everything that is
not a word character (tsquery operators, quotes, SQL, %, _, emoji, control characters)
simply disappears. What is left becomes a tsquery built from quoted lexemes, so the raw
input never reaches `to_tsquery` or any query syntax.

Each term must match (AND):
- Han text of two or more characters: the word itself, or all its character pairs (as
  words or grams), so substrings of words and names jieba does not know still match;
- a single Han character typed alone: any word or gram that starts with it;
- a single Han character that segmentation split off a longer run ("不" of "不存在"): the
  character as a word, or paired with its neighbours in the run (every pair of adjacent
  characters is indexed, as a word or a gram). A prefix would gather every word the
  character starts (72 ms for 不 at a million articles); exact lexemes cost ~0.1 ms;
- Latin letters or digits: any word that starts with them ("iphone" finds iphone15).
"""

from dataclasses import dataclass

from articles.search import text as search_text

MAX_QUERY_CHARS = 100
MAX_TERMS = 12
# Single characters this common only narrow a query that has nothing better.
STOP_CHARACTERS = set("的了和与及或在是也都就而被把对从向于之其这那个我你他她它们吗呢吧啊")


def quote(lexeme):
    """A tsquery operand: quoted, with quotes and backslashes escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class Term:
    HAN = "han"
    CHARACTER = "character"
    LATIN = "latin"

    text: str
    kind: str
    # For a CHARACTER split off a longer Han run: the characters beside it there.
    before: str = ""
    after: str = ""

    def tsquery(self):
        if self.kind == self.HAN:
            pairs = search_text.bigrams(self.text)
            either = [f"{quote(p)} | {quote(search_text.GRAM_MARK + p)}" for p in pairs]
            if len(pairs) == 1:
                return f"{quote(self.text)} | {quote(search_text.GRAM_MARK + self.text)}"
            return f"{quote(self.text)} | ({' & '.join(f'({e})' for e in either)})"
        if self.kind == self.CHARACTER and (self.before or self.after):
            forms = [self.text]
            forms += [self.before + self.text] if self.before else []
            forms += [self.text + self.after] if self.after else []
            lexemes = [lexeme for form in forms for lexeme in (form, search_text.GRAM_MARK + form)]
            return " | ".join(map(quote, lexemes))
        if self.kind == self.CHARACTER:
            return f"{quote(self.text)}:* | {quote(search_text.GRAM_MARK + self.text)}:*"
        return f"{quote(self.text)}:*"


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # what the reader typed, cleaned, for the search box
    terms: tuple
    truncated: bool = False

    def __bool__(self):
        return bool(self.terms)

    def tsquery(self):
        return " & ".join(f"({term.tsquery()})" for term in self.terms)

    def key(self):
        """A stable description of the query, for cache keys."""
        return " ".join(
            f"{term.kind}:{term.before}[{term.text}]{term.after}" for term in self.terms
        )

    @property
    def highlights(self):
        """The strings to mark in titles and snippets, longest first."""
        return sorted({term.text for term in self.terms}, key=len, reverse=True)


def _starts(text, tokens):
    """Where each token starts in `text`, found in order."""
    starts, cursor = [], 0
    for token in tokens:
        start = text.find(token, cursor)
        start = cursor if start < 0 else start
        starts.append(start)
        cursor = start + len(token)
    return starts


def _han_at(text, index):
    return text[index] if 0 <= index < len(text) and search_text.is_han(text[index]) else ""


def _terms(tokens, text=""):
    """Terms from query tokens; runs of single Han characters are joined back together."""
    terms, pending, start = [], "", 0
    starts = _starts(text, tokens)
    for token, begin in [*zip(tokens, starts, strict=True), ("", len(text))]:
        if search_text.is_han(token) and len(token) == 1:
            if not pending:
                start = begin
            pending += token
            continue
        if pending:
            if len(pending) > 1:
                terms.append(Term(pending, Term.HAN))
            else:
                before, after = _han_at(text, start - 1), _han_at(text, start + 1)
                terms.append(Term(pending, Term.CHARACTER, before, after))
            pending = ""
        if not token:
            continue
        terms.append(Term(token, Term.HAN if search_text.is_han(token) else Term.LATIN))
    return terms


def parse(raw):
    """A ParsedQuery for any input; empty (falsy) when nothing searchable is left."""
    text = search_text.clean(raw)
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    normal = search_text.normalize(text)
    terms = _terms(search_text.query_tokens(normal), normal)
    meaningful = [t for t in terms if not (len(t.text) == 1 and t.text in STOP_CHARACTERS)]
    if meaningful and len(meaningful) < len(terms):
        # Lone Latin letters and stop characters add nothing when better terms exist.
        terms = meaningful
    if len(terms) > 1:
        longer = [t for t in terms if not (t.kind == Term.LATIN and len(t.text) == 1)]
        terms = longer or terms
    unique = list(dict.fromkeys(terms))[:MAX_TERMS]
    return ParsedQuery(text=text, terms=tuple(unique), truncated=truncated)
