"""The site's settings with every cache switched off, for the "uncached" throughput runs.

Django's DummyCache stores nothing: each request renders the page and its sidebars from
the database, like a site without any caching.
"""

from newsportal.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
