"""The app's own tag model on django-taggit's base classes, with Chinese slugs."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.models import TagBase, TaggedItemBase


class Tag(TagBase):
    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = pgettext_lazy("plural", "标签")
        ordering = ["name"]

    def get_absolute_url(self):
        # taggit slugifies with allow_unicode, so 人工智能 keeps its characters in the URL.
        return reverse("articles:tag", kwargs={"slug": self.slug})


class TaggedArticle(TaggedItemBase):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_articles")
    content_object = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = _("文章标签")
        verbose_name_plural = pgettext_lazy("plural", "文章标签")
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_article_unique"),
        ]
        indexes = [models.Index(fields=["tag", "content_object"], name="tagged_tag_article_idx")]
