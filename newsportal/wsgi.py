"""WSGI entry point used by gunicorn in production.

Two answers come before Django's request cycle: the read beacon (the hottest URL on the
site, which needs none of it; articles/counters/wsgi.py) and public pages this process has
already served from the page cache (articles/stored_pages_wsgi.py).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")

# Django alone, without the fast paths (for benchmarks that compare them).
django_application = get_wsgi_application()

from articles.counters.wsgi import BeaconFastPath  # noqa: E402 - needs Django set up
from articles.stored_pages_wsgi import StoredPagesFastPath  # noqa: E402

application = BeaconFastPath(StoredPagesFastPath(django_application))
