"""App configuration for the newsroom app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("新闻")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Signal receivers register on import; each subject keeps its own module.
        from articles import invalidation  # noqa: F401
        from articles.search import signals as search_signals  # noqa: F401
