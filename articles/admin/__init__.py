"""The newsroom admin: articles and their workflow, authors, regions, tags, photos, settings."""

from articles.admin import articles, people, photos, regions, reports, site, tags

__all__ = ["articles", "people", "photos", "regions", "reports", "site", "tags"]
