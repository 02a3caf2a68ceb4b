"""App configs for the project package: the admin, served by the newsroom's own site class."""

from django.contrib.admin.apps import AdminConfig


class NewsAdminConfig(AdminConfig):
    # Every `@admin.register` in the project lands on this site (two-factor aware login).
    default_site = "newsportal.admin_site.NewsAdminSite"
