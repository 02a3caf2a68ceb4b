"""Uploads held between two submissions of the photo form.

When the form comes back to the editor (captions pre-filled from metadata to confirm, or
another field to fix), the browser cannot re-send the file. The sanitised image is parked
under photos/pending/ with a random name and the form carries a signed token for it.
Parked files older than a day are pruned whenever another one is parked.
"""

import logging
import re
import secrets
from datetime import timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.utils import timezone

from articles.photos.renditions import encode_original
from articles.photos.services import photo_storage, prepare_upload

logger = logging.getLogger(__name__)

PENDING_DIR = "photos/pending"
MAX_AGE = timedelta(days=1)
SALT = "articles.photos.pending"
PENDING_NAME = re.compile(r"^photos/pending/[0-9a-f]{24}\.(jpg|png)$")


def stash(prepared, storage=None):
    """Park a prepared upload; returns (signed token, storage name)."""
    storage = storage or photo_storage()
    prune(storage)
    encoded = encode_original(prepared.image, prepared.source_format)
    name = f"{PENDING_DIR}/{secrets.token_hex(12)}.{encoded.extension}"
    name = storage.save(name, ContentFile(encoded.data))
    return signing.dumps(name, salt=SALT), name


def parked_name(token):
    """The storage name a token we issued points at, or None if forged or expired."""
    try:
        name = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return name if isinstance(name, str) and PENDING_NAME.match(name) else None


def load(token, storage=None):
    """(name, PreparedPhoto) for a token we issued, or None if forged, expired or gone."""
    storage = storage or photo_storage()
    name = parked_name(token)
    if name is None or not storage.exists(name):
        return None
    with storage.open(name, "rb") as parked:
        return name, prepare_upload(parked)


def prune(storage, now=None):
    """Delete parked uploads nobody came back for."""
    cutoff = (now or timezone.now()) - MAX_AGE
    try:
        _dirs, names = storage.listdir(PENDING_DIR)
        for filename in names:
            name = f"{PENDING_DIR}/{filename}"
            if storage.get_modified_time(name) < cutoff:
                storage.delete(name)
    except (FileNotFoundError, NotImplementedError):
        return
    except Exception:  # pruning is housekeeping; it must never break an upload
        logger.warning("could not prune pending photo uploads", exc_info=True)
