"""Authors: the people behind bylines, photo credits and editor lines."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from articles.links import reverse


class Author(models.Model):
    name = models.CharField(_("姓名"), max_length=60)
    slug = models.SlugField(_("网址名"), max_length=80, unique=True)
    bio = models.TextField(_("简介"), blank=True)
    photo = models.ImageField(_("照片"), upload_to="authors/%Y/", blank=True)
    is_reporter = models.BooleanField(_("记者"), default=False)
    is_photographer = models.BooleanField(_("摄影"), default=False)
    is_editor = models.BooleanField(_("编辑"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("员工账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text=_("关联后，该记者只能编辑自己署名或创建的稿件。"),
    )

    class Meta:
        verbose_name = _("作者")
        verbose_name_plural = pgettext_lazy("plural", "作者")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"], name="author_name_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})

    @property
    def roles(self):
        labels = []
        if self.is_reporter:
            labels.append(_("记者"))
        if self.is_photographer:
            labels.append(_("摄影"))
        if self.is_editor:
            labels.append(_("编辑"))
        return labels
