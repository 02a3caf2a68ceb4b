"""`reverse()` for the reader site's links, remembered per language and URL prefix.

A page links to a few dozen articles, tags, authors and regions, mostly the same ones on
every page (the sidebars, the navigation), and Django's `reverse()` costs ~30 µs a link:
a millisecond a page. The models' `get_absolute_url()` use this one instead; the result
is the same, since everything `reverse()` depends on is in the memo's key.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.translation import get_language


def reverse(viewname, kwargs=None):
    key = tuple(sorted(kwargs.items())) if kwargs else ()
    return _reverse(
        viewname, key, get_language(), get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF
    )


@functools.lru_cache(maxsize=16384)
def _reverse(viewname, kwargs, language, prefix, urlconf, root_urlconf):
    # The language, prefix and URL conf in the key are the ones active right now.
    return django_reverse(viewname, kwargs=dict(kwargs))
