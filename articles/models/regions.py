"""Regions: provincial-level divisions and the prefecture-level cities under them."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from articles.links import reverse


class Region(models.Model):
    class Kind(models.TextChoices):
        PROVINCE = "province", _("省")
        AUTONOMOUS_REGION = "autonomous_region", _("自治区")
        MUNICIPALITY = "municipality", _("直辖市")
        SAR = "sar", _("特别行政区")
        CITY = "city", _("地级市")
        PREFECTURE = "prefecture", _("地区")
        AUTONOMOUS_PREFECTURE = "autonomous_prefecture", _("自治州")
        LEAGUE = "league", _("盟")
        COUNTY_CITY = "county_city", _("省直辖县级市")

    PROVINCIAL_KINDS = (Kind.PROVINCE, Kind.AUTONOMOUS_REGION, Kind.MUNICIPALITY, Kind.SAR)

    name = models.CharField(_("简称"), max_length=40, help_text=_("如“温州”，用于电头和页面。"))
    full_name = models.CharField(_("全称"), max_length=60, help_text=_("如“温州市”。"))
    slug = models.SlugField(_("网址名"), max_length=60, unique=True)
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("地区")
        verbose_name_plural = pgettext_lazy("plural", "地区")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["name"], name="region_name_idx")]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
        ]

    def __str__(self):
        if self.parent_id:
            return f"{self.parent.name} › {self.name}"
        return self.name

    def get_absolute_url(self):
        return reverse("articles:region", kwargs={"slug": self.slug})

    @property
    def is_provincial(self):
        return self.parent_id is None

    @property
    def province(self):
        return self if self.parent_id is None else self.parent
