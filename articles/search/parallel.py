"""Worker processes for `rebuild_search_index --workers`: started fresh, not forked.

A forked child inherits every lock that the parent's other threads held at that moment (a
server's thread pool, a test runner's browser driver) and can hang on one for good. A
spawned child sets Django up itself, on the database settings the parent was using (a
test database included), so this module imports nothing from Django at the top.
"""

import signal


def start(databases):
    """Pool initializer: Django on the parent's databases; Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import django
    from django.conf import settings

    settings.DATABASES = databases
    django.setup()


def rebuild_range(bounds):
    """One batch, in a worker or in the command's own process: (last id, articles, written)."""
    from django.db import transaction

    from articles.search.documents import refresh_range

    first, last = bounds
    with transaction.atomic():
        articles, written = refresh_range(first, last)
    return last, articles, written
