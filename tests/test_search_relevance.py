"""Search relevance on an invented corpus: 66 listed stories, 57 queries with known answers.

precision@5: of the (up to) five results shown first, the share that is relevant.
recall@10: of the relevant articles, the share found in the first ten results.
Both are averaged over the queries and kept above a floor, on SQLite and PostgreSQL.
"""

import pytest
from django.db import connection

from articles.search.engine import Search, ranked_ids
from articles.search.query import parse
from tests.search_corpus import corpus, load_corpus

PRECISION_AT_5_FLOOR = 0.85
RECALL_AT_10_FLOOR = 0.95


def evaluate(articles):
    keys = {article.pk: key for key, article in articles.items()}
    rows = []
    for item in corpus()["queries"]:
        found = [keys[pk] for pk in ranked_ids(Search(parse(item["q"])))]
        relevant = set(item["expected"])
        top5, top10 = found[:5], found[:10]
        precision = sum(k in relevant for k in top5) / len(top5) if top5 else 0.0
        recall = sum(k in relevant for k in top10) / len(relevant)
        strict = sum(k in relevant for k in top5) / 5
        rows.append((item["q"], precision, recall, found[:10], strict))
    return rows


@pytest.mark.django_db
def test_relevance_stays_above_the_floor():
    """Averaged over all queries, precision@5 and recall@10 stay above their floors, and
    every query finds at least one of its articles."""
    rows = evaluate(load_corpus())
    precision = sum(r[1] for r in rows) / len(rows)
    recall = sum(r[2] for r in rows) / len(rows)
    print(f"\n[{connection.vendor}] {len(rows)} queries: ", end="")
    strict = sum(r[4] for r in rows) / len(rows)
    print(f"precision@5 = {precision:.3f} (÷5 whatever the answers: {strict:.3f}), ", end="")
    print(f"recall@10 = {recall:.3f}")
    for query, p, r, found, _strict in rows:
        if p < 1 or r < 1:
            print(f"  {query!r}: p@5={p:.2f} r@10={r:.2f} {found}")
    assert len(rows) >= 30
    assert all(r[2] > 0 for r in rows), [r[0] for r in rows if r[2] == 0]
    assert precision >= PRECISION_AT_5_FLOOR
    assert recall >= RECALL_AT_10_FLOOR


@pytest.mark.django_db
def test_drafts_and_retracted_articles_are_never_found():
    """The corpus's draft and retracted stories match their words but never appear."""
    articles = load_corpus()
    hidden = {articles["draft-data-port"].pk, articles["retracted-ai"].pk}
    for query in ("数安港", "草稿", "人工智能", "撤稿", "融资"):
        assert not hidden & set(ranked_ids(Search(parse(query))))


@pytest.mark.django_db
def test_a_title_hit_ranks_above_body_hits():
    """ "高铁" is in one title; the same word only in a body ranks below it."""
    articles = load_corpus()
    found = ranked_ids(Search(parse("人工智能")))
    title_hits = {articles[k].pk for k in ("wz-ai-court", "bj-ai-edu")}
    body_only = {articles[k].pk for k in ("employment", "marathon", "wuzhen")}
    worst_title = max(found.index(pk) for pk in title_hits)
    best_body = min(found.index(pk) for pk in body_only if pk in found)
    assert worst_title < best_body
