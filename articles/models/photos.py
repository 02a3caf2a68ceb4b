"""Photos: an uploaded image with its caption, alt text and photographer credit."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Photo(models.Model):
    image = models.ImageField(
        _("图片"),
        upload_to="photos/%Y/%m/",
        width_field="width",
        height_field="height",
        max_length=255,
    )
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True, editable=False)
    caption = models.CharField(
        _("图片说明"), max_length=500, help_text=_("如“中国(温州)数安港一景。”，署名自动附加。")
    )
    alt_text = models.CharField(
        _("替代文字"), max_length=300, help_text=_("为视障读者描述画面内容。")
    )
    photographer = models.ForeignKey(
        "articles.Author",
        verbose_name=_("摄影"),
        on_delete=models.PROTECT,
        related_name="photos",
    )
    taken_on = models.DateField(_("拍摄日期"), null=True, blank=True)
    # Filled by the rendition pipeline: {"jpeg": {"320": "path", ...}, "webp": {...}}.
    renditions = models.JSONField(_("尺寸版本"), default=dict, blank=True, editable=False)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("图片")
        verbose_name_plural = pgettext_lazy("plural", "图片")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.caption[:40]

    @property
    def credit(self):
        """The credit line as Chinese wire pages print it: "王斌 摄"."""
        return _("%(name)s 摄") % {"name": self.photographer.name}
