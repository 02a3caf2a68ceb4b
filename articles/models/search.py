"""The search document: one row per searchable article, kept up to date on every save.

Only published, non-retracted articles have one (scheduled ones too, hidden until their
time). Searches still check each candidate's article (on PostgreSQL through the partial
index of articles that may be unlisted, migration 0007), so a document that lags behind an
unpublish, retraction or expiry never shows a result.

On PostgreSQL the table also has `head_vector`, a stored generated column (migration 0007,
unknown to the ORM): the A and B part of `vector`, small enough to stay in the row, which
ranking reads instead of detoasting the whole vector.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SearchDocument(models.Model):
    article = models.OneToOneField(
        "articles.Article",
        verbose_name=_("文章"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    # Copied from the article so "newest matches first" needs no join.
    publish_at = models.DateTimeField(_("发布时间"))
    # PostgreSQL: words and character grams weighted by field (A title, B subtitle,
    # summary, bylines, tags and region, C body), GIN-indexed. NULL on other databases.
    vector = SearchVectorField(_("检索向量"), null=True, editable=False)
    # Other databases (SQLite): the same words and the normalised text, one line per
    # weight, searched with LIKE. Empty on PostgreSQL, which does not need it.
    text = models.TextField(_("分词文本"), blank=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("搜索索引")
        verbose_name_plural = pgettext_lazy("plural", "搜索索引")

    def __str__(self):
        return str(self.article_id)
