"""支持 (likes): one per visitor per article, with a denormalised count that stays exact.

The unique (article, visitor_key) constraint decides who liked first; the count is only
incremented, with F(), in the same transaction as a row that was actually inserted. So a
double click, a retry or a hundred concurrent likes from one visitor add exactly one.
"""

from django.db import IntegrityError, transaction
from django.db.models import F

from articles.models import Article, Like


def add_like(article_id, visitor_key):
    """Record the visitor's like; returns (created, like_count after it)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                Like.objects.create(article_id=article_id, visitor_key=visitor_key)
            created = True
        except IntegrityError:
            created = False
        if created:
            Article.objects.filter(pk=article_id).update(like_count=F("like_count") + 1)
    count = Article.objects.filter(pk=article_id).values_list("like_count", flat=True).first()
    return created, count or 0
