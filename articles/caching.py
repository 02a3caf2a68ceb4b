"""Cache versioning: one number that every public page and sidebar key includes.

Bumping it makes every cached page stale at once without flushing the cache, so a
publish, edit, unpublish, retraction or recommendation shows everywhere within seconds.
"""

from django.core.cache import cache

VERSION_KEY = "content-version"


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        # add() so that concurrent first readers agree on one starting value.
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY) or 1
    return version


def bump_content_version():
    try:
        return cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)
        return 2
