"""WSGI entry point used by gunicorn in production.

The read beacon is answered in front of Django's middleware stack (see
articles/counters/wsgi.py): it is the hottest URL on the site and needs none of it.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")

from articles.counters.wsgi import BeaconFastPath

# Django alone, without the fast path (for benchmarks that compare the two).
django_application = get_wsgi_application()
application = BeaconFastPath(django_application)
