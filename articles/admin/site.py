"""Admin for the single SiteSettings row: footer licences and publisher details."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.models import SiteSettings


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["site_name"]}),
        (_("备案与许可"), {"fields": ["icp_number", "news_license_number"]}),
        (_("结构化数据"), {"fields": ["publisher_name", "publisher_logo"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # There is only ever one row: go straight to it (or to the form that creates it).
        row = SiteSettings.objects.filter(pk=1).first()
        if row is not None:
            return HttpResponseRedirect(reverse("admin:articles_sitesettings_change", args=[1]))
        if self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:articles_sitesettings_add"))
        return super().changelist_view(request, extra_context)
