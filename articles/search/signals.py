"""Keeping search documents current: article, byline and tag changes refresh them.

Refreshes run after the commit, once per article however many signals one transaction
sends (an admin save with inline bylines and tags sends several), and a failure is logged
rather than undoing the editor's save: search filters through `listed()` anyway, and
`rebuild_search_index` repairs any document that was missed. Renaming an author, tag or
region does not touch every article that mentions it; run `rebuild_search_index` then.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from articles.models import Article, Byline, TaggedArticle
from articles.search.documents import refresh_documents


class _Pending:
    """The articles one transaction changed; called once, after it commits."""

    def __init__(self):
        self.ids = set()
        self.done = False

    def __call__(self):
        self.done = True
        refresh_documents(self.ids)


def schedule(article_id):
    connection = transaction.get_connection()
    pending = getattr(connection, "_search_pending", None)
    registered = pending is not None and not pending.done
    # A rolled-back savepoint discards its callbacks: only trust one still queued.
    registered = registered and any(entry[1] is pending for entry in connection.run_on_commit)
    if not registered:
        pending = connection._search_pending = _Pending()
    pending.ids.add(article_id)
    if not registered:
        transaction.on_commit(pending, robust=True)


@receiver(post_save, sender=Article, dispatch_uid="search-article-saved")
def article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        schedule(instance.pk)


@receiver(post_save, sender=Byline, dispatch_uid="search-byline-saved")
@receiver(post_delete, sender=Byline, dispatch_uid="search-byline-deleted")
@receiver(post_save, sender=TaggedArticle, dispatch_uid="search-tagged-saved")
@receiver(post_delete, sender=TaggedArticle, dispatch_uid="search-tagged-deleted")
def part_changed(sender, instance, raw=False, **kwargs):
    article_id = instance.article_id if sender is Byline else instance.content_object_id
    if not raw and article_id is not None:
        schedule(article_id)


@receiver(m2m_changed, sender=TaggedArticle, dispatch_uid="search-tags-changed")
def tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """`article.tags.add/remove/set/clear` (taggit sends m2m_changed, not post_save)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        schedule(instance.pk)
    else:
        for article_id in pk_set or ():
            schedule(article_id)
