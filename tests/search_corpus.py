"""Loading tests/fixtures/search_corpus.json: invented Chinese news stories and queries."""

import json
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from articles.models import Article, Author, Byline, Region
from articles.search.documents import refresh_documents

CORPUS = Path(__file__).parent / "fixtures" / "search_corpus.json"


def corpus():
    return json.loads(CORPUS.read_text(encoding="utf-8"))


def load_corpus(now=None):
    """Create every corpus article (and its authors and tags); returns {key: article}."""
    now = now or timezone.now()
    data = corpus()
    regions = {
        r.slug: r for r in Region.objects.filter(slug__in={a["region"] for a in data["articles"]})
    }
    authors = {}
    articles = {}
    for index, item in enumerate(data["articles"]):
        status = item.get("status", "published")
        article = Article.objects.create(
            title=item["title"],
            summary=item["summary"],
            body="".join(f"<p>{paragraph}</p>" for paragraph in item["body"]),
            dateline_region=regions[item["region"]],
            status=Article.Status.DRAFT if status == "draft" else Article.Status.PUBLISHED,
            publish_at=None
            if status == "draft"
            else now - timedelta(days=item["days_ago"], minutes=index),
            retracted_at=now if status == "retracted" else None,
            retraction_reason="测试撤稿" if status == "retracted" else "",
        )
        for position, name in enumerate(item["authors"]):
            if name not in authors:
                authors[name] = Author.objects.create(name=name, slug=f"corpus-{len(authors)}")
            Byline.objects.create(article=article, author=authors[name], position=position)
        article.tags.add(*item["tags"])
        articles[item["key"]] = article
    refresh_documents(a.pk for a in articles.values())
    return articles
