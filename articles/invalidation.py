"""Any saved or deleted content makes every cached page stale (after the commit).

The publishing services bump the content version themselves; these receivers make sure
any other write (an admin edit, an import, a shell session) does too. Reader signals
(likes, reports, read counts) are left out on purpose: a reader must not be able to empty
the page cache, and counts reach pages through the per-minute keys instead.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from articles import models
from articles.caching import bump_content_version

CONTENT_MODELS = (
    models.Article,
    models.ArticlePhoto,
    models.Author,
    models.Byline,
    models.Correction,
    models.Photo,
    models.Region,
    models.SiteSettings,
    models.Tag,
    models.TaggedArticle,
)


def _bump_after_commit(sender, **kwargs):
    if kwargs.get("raw"):
        return  # loaddata
    transaction.on_commit(bump_content_version, robust=True)


for model in CONTENT_MODELS:
    post_save.connect(_bump_after_commit, sender=model, dispatch_uid=f"bump-save-{model.__name__}")
    post_delete.connect(
        _bump_after_commit, sender=model, dispatch_uid=f"bump-delete-{model.__name__}"
    )
