"""Site settings an operator may set in the admin; blank fields fall back to the environment."""

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CACHE_KEY = "site-settings:v1"
# (content version, values): each process keeps the merged settings until any content
# changes (saving these settings bumps the version too), not one cache trip per use.
_memo = (None, None)


class SiteSettings(models.Model):
    site_name = models.CharField(_("网站名称"), max_length=60, blank=True)
    icp_number = models.CharField(_("ICP备案号"), max_length=60, blank=True)
    news_license_number = models.CharField(
        _("互联网新闻信息服务许可证编号"), max_length=60, blank=True
    )
    publisher_name = models.CharField(_("出版单位"), max_length=100, blank=True)
    publisher_logo = models.ImageField(_("出版单位标志"), upload_to="site/", blank=True)

    class Meta:
        verbose_name = _("网站设置")
        verbose_name_plural = pgettext_lazy("plural", "网站设置")

    def __str__(self):
        return str(_("网站设置"))

    def save(self, *args, **kwargs):
        global _memo
        self.pk = 1  # a single row
        super().save(*args, **kwargs)
        cache.delete(CACHE_KEY)
        _memo = (None, None)

    @classmethod
    def current(cls):
        """The effective settings as a dict, cached: one row merged over the environment."""
        global _memo
        from articles.caching import content_version

        version = content_version()
        if _memo[0] == version:
            return _memo[1]
        values = cache.get(CACHE_KEY)
        if values is None:
            row = cls.objects.filter(pk=1).first()
            values = {
                "name": (row and row.site_name) or settings.SITE_NAME,
                "icp_number": (row and row.icp_number) or settings.SITE_ICP_NUMBER,
                "news_license_number": (row and row.news_license_number)
                or settings.SITE_NEWS_LICENSE_NUMBER,
                "publisher_name": (row and row.publisher_name) or settings.SITE_PUBLISHER_NAME,
                "publisher_logo_url": (row and row.publisher_logo and row.publisher_logo.url)
                or settings.SITE_PUBLISHER_LOGO_URL,
                "url": settings.SITE_URL.rstrip("/"),
            }
            cache.set(CACHE_KEY, values, 300)
        _memo = (version, values)
        return values
