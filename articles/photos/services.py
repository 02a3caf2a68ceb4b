"""Storing photos: the sanitised original and its renditions, then the row; nothing half-done.

Files go through the Photo.image field's storage (Django's storage API), so the same code
writes to MEDIA_ROOT or to an S3-compatible bucket. Every name is ours: originals get a
random name, renditions are named after their original. Files are written before the row;
if anything fails, the files written so far are deleted again.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from PIL import Image

from articles.models import Photo
from articles.photos.metadata import PhotoMetadata
from articles.photos.normalise import to_display_image
from articles.photos.renditions import encode_original, encode_renditions
from articles.photos.sizes import FORMATS, widths_for
from articles.photos.validation import CORRUPT, inspect_upload

logger = logging.getLogger(__name__)

OUR_NAME = re.compile(r"^photos/\d{4}/\d{2}/[0-9a-f]{24}$")


@dataclass
class PreparedPhoto:
    """A validated upload, decoded and normalised, ready to be written."""

    image: Image.Image
    source_format: str
    animated: bool = False
    metadata: PhotoMetadata = field(default_factory=PhotoMetadata)


@dataclass
class StoredFiles:
    """What `write_files` put in storage; `delete()` takes it all back."""

    storage: object
    original: str = ""
    width: int = 0
    height: int = 0
    renditions: dict = field(default_factory=dict)
    names: list = field(default_factory=list)

    def delete(self):
        delete_names(self.storage, self.names)
        self.names = []


def photo_storage():
    return Photo._meta.get_field("image").storage


def delete_names(storage, names):
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # cleanup must not hide the error that made us clean up
            logger.warning("could not delete %s", name, exc_info=True)


def prepare_upload(upload):
    """Validate and normalise an uploaded file; ValidationError when it is not usable."""
    inspected = inspect_upload(upload)
    try:
        image = to_display_image(inspected.image)
    except Exception as exc:
        logger.info("photo upload failed to normalise: %r", exc)
        raise ValidationError(CORRUPT, code="corrupt") from exc
    return PreparedPhoto(image, inspected.format, inspected.animated, inspected.metadata)


def new_stem(now=None):
    """A fresh, unguessable storage name (without extension) for an original."""
    return f"photos/{(now or timezone.now()):%Y/%m}/{secrets.token_hex(12)}"


def rendition_stem(original_name):
    """Renditions are named after their original; older, user-named originals get a hash."""
    stem = original_name.rsplit(".", 1)[0]
    if OUR_NAME.match(stem):
        return stem
    digest = hashlib.sha256(original_name.encode()).hexdigest()[:24]
    return f"{stem.rsplit('/', 1)[0] if '/' in stem else 'photos'}/{digest}"


def rendition_name(stem, width, extension):
    return f"{stem}-{width}w.{extension}"


def _save(storage, files, name, data):
    saved = storage.save(name, ContentFile(data))
    files.names.append(saved)
    return saved


def write_files(prepared, storage=None):
    """Write the original and every rendition; on any failure delete what was written."""
    files = StoredFiles(storage or photo_storage())
    try:
        original = encode_original(prepared.image, prepared.source_format)
        files.original = _save(
            files.storage, files, f"{new_stem()}.{original.extension}", original.data
        )
        files.width, files.height = original.width, original.height
        stem = rendition_stem(files.original)
        for encoded in encode_renditions(prepared.image):
            name = rendition_name(stem, encoded.width, encoded.extension)
            saved = _save(files.storage, files, name, encoded.data)
            files.renditions.setdefault(encoded.kind, {})[str(encoded.width)] = saved
    except BaseException:
        files.delete()
        raise
    return files


def photo_file_names(photo):
    """Every stored file of a photo: the original and all renditions."""
    names = [photo.image.name] if photo.image else []
    for paths in (photo.renditions or {}).values():
        if isinstance(paths, dict):
            names.extend(paths.values())
    return names


def apply_files(photo, files):
    photo.image.name = files.original
    photo.width, photo.height = files.width, files.height
    photo.renditions = files.renditions


def store_photo(photo, files, uploaded_by=None, discard_after=()):
    """Save `photo` with freshly written `files`; the row and its files stand or fall together.

    Files the photo used before (a replaced image) and `discard_after` (a pending upload)
    are deleted once the transaction commits, never before.
    """
    replaced = photo_file_names(Photo.objects.get(pk=photo.pk)) if photo.pk and files else []
    if files:
        apply_files(photo, files)
    if uploaded_by is not None and photo.uploaded_by_id is None:
        photo.uploaded_by = uploaded_by
    try:
        with transaction.atomic():
            photo.save()
    except BaseException:
        if files:
            files.delete()
        raise
    current = set(photo_file_names(photo))
    stale = [name for name in [*replaced, *discard_after] if name not in current]
    # An original another row still points at (an old import) is not ours to delete.
    shared = set(Photo.objects.filter(image__in=stale).values_list("image", flat=True))
    stale = [name for name in stale if name not in shared]
    if stale:
        storage = files.storage if files else photo_storage()
        transaction.on_commit(lambda: delete_names(storage, stale))
    return photo


def delete_photos(photos):
    """Delete photo rows, then (once that commits) their files. A photo still used by an
    article raises ProtectedError and keeps its files."""
    photos = list(photos)
    names = [name for photo in photos for name in photo_file_names(photo)]
    with transaction.atomic():
        for photo in photos:
            photo.delete()
    if names:
        storage = photo_storage()
        transaction.on_commit(lambda: delete_names(storage, names))


def create_photo(upload, *, uploaded_by=None, **fields):
    """Validate, render and save a photo from a file (commands, importers, tests).

    `fields` are Photo fields (caption, alt_text, photographer…). Raises ValidationError for
    an unusable file, before anything is written.
    """
    prepared = prepare_upload(upload if hasattr(upload, "size") else File(upload))
    files = write_files(prepared)
    return store_photo(Photo(**fields), files, uploaded_by=uploaded_by)


def _wanted(stem, width):
    extension = {"jpeg": "jpg", "webp": "webp"}
    return {
        (kind, w): rendition_name(stem, w, extension[kind])
        for kind in FORMATS
        for w in widths_for(width)
    }


def make_renditions(photo, force=False):
    """(Re)make a saved photo's renditions from its stored original; returns files written.

    Idempotent: rendition names follow from the original's name, existing files are kept
    unless `force`, and the row is only written when something changed. An original that
    is not one of ours (saved by older code under an uploader's file name, possibly with
    GPS in it) is replaced by a sanitised copy under a random name first.
    """
    storage = photo.image.storage
    if not OUR_NAME.match(photo.image.name.rsplit(".", 1)[0]):
        with storage.open(photo.image.name, "rb") as original:
            prepared = prepare_upload(original)
        files = write_files(prepared, storage)
        store_photo(photo, files)
        return len(files.names)
    stem = rendition_stem(photo.image.name)
    wanted = _wanted(stem, photo.width or 0)
    written = 0
    if force or not photo.width or not all(storage.exists(n) for n in wanted.values()):
        with storage.open(photo.image.name, "rb") as original:
            prepared = prepare_upload(original)
        photo.width, photo.height = prepared.image.size
        wanted = _wanted(stem, photo.width)
        for encoded in encode_renditions(prepared.image):
            name = rendition_name(stem, encoded.width, encoded.extension)
            if storage.exists(name):
                if not force:
                    continue
                storage.delete(name)
            storage.save(name, ContentFile(encoded.data))
            written += 1
    renditions = {}
    for (kind, width), name in wanted.items():
        renditions.setdefault(kind, {})[str(width)] = name
    if written or renditions != photo.renditions:
        photo.renditions = renditions
        Photo.objects.filter(pk=photo.pk).update(
            renditions=renditions, width=photo.width, height=photo.height
        )
    return written
