"""Reader signals stored in the database: daily read counts, likes and reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DailyReads(models.Model):
    """Counted reads of one article on one day (Asia/Shanghai), for charts and hot picks."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="daily_reads"
    )
    day = models.DateField(_("日期"))
    count = models.PositiveBigIntegerField(_("阅读"), default=0)

    class Meta:
        verbose_name = _("每日阅读")
        verbose_name_plural = pgettext_lazy("plural", "每日阅读")
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="daily_reads_unique_day"),
        ]
        indexes = [models.Index(fields=["day", "-count"], name="daily_reads_day_count_idx")]

    def __str__(self):
        return f"{self.article_id} {self.day}: {self.count}"


class Like(models.Model):
    """One 支持 per visitor per article; the visitor key is a hash, never an IP."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="likes")
    visitor_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("支持")
        verbose_name_plural = pgettext_lazy("plural", "支持")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "visitor_key"], name="like_once_per_visitor"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="like_created_idx")]

    def __str__(self):
        return f"{self.article_id} {self.visitor_key[:8]}"


class Report(models.Model):
    class Reason(models.TextChoices):
        RUMOUR = "rumour", _("谣言")
        INFRINGEMENT = "infringement", _("侵权")
        OBSCENE = "obscene", _("色情低俗")
        SPAM = "spam", _("广告")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        DISMISSED = "dismissed", _("已驳回")
        UNPUBLISHED = "unpublished", _("已撤下文章")
        RETRACTED = "retracted", _("已撤稿")

    article = models.ForeignKey(
        "articles.Article", verbose_name=_("文章"), on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(_("举报原因"), max_length=16, choices=Reason.choices)
    detail = models.TextField(_("补充说明"), max_length=1000, blank=True)
    visitor_key = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("举报时间"), auto_now_add=True)
    status = models.CharField(
        _("处理状态"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = pgettext_lazy("plural", "举报")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["article"], name="report_open_article_idx", condition=Q(status="open")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_at__isnull=False),
                name="report_decision_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.article_id}"
