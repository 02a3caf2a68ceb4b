"""Bookkeeping for moving read counts from Redis into the database."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CounterFlush(models.Model):
    """One batch of Redis read counts applied to the database.

    The row is written in the same transaction as the counts, so a batch whose flush id is
    here has been applied exactly once and re-running `flush_counters` only cleans it up.
    """

    flush_id = models.UUIDField(_("批次"), primary_key=True, default=uuid.uuid4, editable=False)
    applied_at = models.DateTimeField(_("写入时间"), auto_now_add=True, db_index=True)
    reads = models.PositiveBigIntegerField(_("阅读数"), default=0)
    articles = models.PositiveIntegerField(_("文章数"), default=0)

    class Meta:
        verbose_name = _("计数写入批次")
        verbose_name_plural = pgettext_lazy("plural", "计数写入批次")
        ordering = ["-applied_at"]

    def __str__(self):
        return f"{self.flush_id} ({self.reads})"
