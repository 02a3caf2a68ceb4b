"""The hot picks (热门导读, 热点推荐) as last ranked: a few rows a page reads by index."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HotPick(models.Model):
    """One place in a ranked sidebar list, written by `articles.hot.refresh()`.

    Pages join these rows to `Article.objects.listed()`, so an article retracted or
    unpublished after the ranking drops out at once. Each refresh also writes one row
    without an article: it records when the lists were ranked, even when they are empty.
    """

    class Kind(models.TextChoices):
        READS = "reads", _("热门导读")
        RECOMMENDED = "recommended", _("热点推荐")
        MARKER = "marker", _("排名时间")

    kind = models.CharField(_("列表"), max_length=12, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("名次"))
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        null=True,
        related_name="hot_picks",
    )
    ranked_at = models.DateTimeField(_("排名时间"))

    class Meta:
        verbose_name = _("热点排名")
        verbose_name_plural = pgettext_lazy("plural", "热点排名")
        ordering = ["kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "position"], name="hot_pick_unique_place"),
        ]

    def __str__(self):
        return f"{self.kind} {self.position}: {self.article_id}"
