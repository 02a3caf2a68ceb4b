"""Writing records into the newsroom: one article per transaction, keyed on origin_key.

`ArticleImporter.run(record)` finds the article the record describes (by origin key, or by
our own URL for articles exported from this site), works out which fields would change,
and writes them inside `transaction.atomic()`: an error anywhere leaves no partial article,
and photo files written for it are deleted again. A wire page gives a partial record
(`partial=True`): only the fields the page knows are compared and written, so an editor's
tags, summary and status survive a re-import. An NDJSON export record is the whole article.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, time

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.importers.people import find_author, get_or_create_author
from articles.importers.records import TEXT_FIELDS, TIME_FIELDS, local_image, own_article_id
from articles.models import Article, ArticlePhoto, Byline, Correction, Photo, Region
from articles.photos.services import create_photo, delete_names, photo_file_names, photo_storage
from articles.regions import resolve_place
from articles.sanitize import sanitize_body
from articles.spam_guard import check_article

logger = logging.getLogger(__name__)

SCALAR_FIELDS = (*TEXT_FIELDS, *TIME_FIELDS, "dateline_date", "is_reprint")
RELATION_LABELS = {
    "region": "dateline_region",
    "editor": "editor",
    "lead_photo": "lead_photo",
    "tags": "tags",
}
CAPTION_MAX = Photo._meta.get_field("caption").max_length
ALT_MAX = Photo._meta.get_field("alt_text").max_length


class ImportFailed(Exception):
    """An article could not be written; nothing of it was kept."""


@dataclass
class Outcome:
    """What happened to one article: created, updated, unchanged or (dry run) would be."""

    action: str
    title: str
    origin_key: str
    changes: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    article: Article | None = None
    region: Region | None = None


def field_label(name):
    labels = {"bylines": _("署名"), "photos": _("正文图片"), "corrections": _("更正")}
    if name in labels:
        return labels[name]
    return str(Article._meta.get_field(RELATION_LABELS.get(name, name)).verbose_name)


class ArticleImporter:
    def __init__(self, *, publish=False, dry_run=False, extra_tags=()):
        self.publish = publish
        self.dry_run = dry_run
        self.extra_tags = [tag for tag in extra_tags if tag.strip()]

    def run(self, record, *, partial, base_dir=None, publish_at=None):
        """Import one record; returns an Outcome, raises ImportFailed with the reason."""
        record = dict(record)
        notes = []
        if record.get("body") is not None:
            record["body"] = sanitize_body(record["body"])
        if not record.get("origin_key"):
            raise ImportFailed(_("缺少来源键（origin_key）。"))
        existing = self.find(record["origin_key"])
        region = self._region(record, notes)
        if self.extra_tags:
            record["tags"] = [*record.get("tags", ()), *self.extra_tags]
        if partial:
            self._page_status(record, existing, publish_at, notes)
        changes = self._changes(record, existing, region, partial)
        self._photo_notes = []
        action = "created" if existing is None else ("updated" if changes else "unchanged")
        outcome = Outcome(
            action, record["title"], record["origin_key"], changes, notes, existing, region
        )
        if self.dry_run or action == "unchanged":
            return outcome
        written = []
        try:
            with transaction.atomic():
                outcome.article = self._write(record, existing, region, partial, base_dir, written)
        except ValidationError as exc:
            self._discard(written)
            raise ImportFailed(_describe(exc)) from exc
        except Exception:
            self._discard(written)
            raise
        notes.extend(self._photo_notes)
        return outcome

    # --- reading the current state ------------------------------------------------------

    @staticmethod
    def find(origin_key):
        article = Article.objects.filter(origin_key=origin_key).first()
        if article is None and (pk := own_article_id(origin_key)):
            article = Article.objects.filter(pk=pk, origin_key__isnull=True).first()
        return article

    @staticmethod
    def _region(record, notes):
        data = record.get("region")
        if not data:
            return None
        region = None
        if data.get("slug"):
            region = Region.objects.filter(slug=data["slug"]).first()
        if region is None and data.get("name"):
            region = resolve_place(data["name"])
        if region is None:
            notes.append(
                _("电头地点“%(place)s”不在地区表中，未设置地区。")
                % {"place": data.get("name") or data.get("slug")}
            )
        return region

    def _page_status(self, record, existing, publish_at, notes):
        """Pages land as drafts; --publish publishes new and draft ones unless the spam guard
        objects. An article editors published, unpublished or retracted keeps its status."""
        drafts = (Article.Status.DRAFT, Article.Status.REVIEW)
        if not self.publish or (existing and existing.status not in drafts):
            return
        warnings = check_article(record["body"], title=record["title"])
        if warnings:
            notes.append(_("正文有垃圾内容警告，保留为草稿：%s") % "；".join(map(str, warnings)))
            return
        record["status"] = Article.Status.PUBLISHED
        if existing is None or existing.publish_at is None:
            record["publish_at"] = publish_at or timezone.now()

    def _changes(self, record, existing, region, partial):
        """Labels of the fields whose value in `record` differs from the article's."""
        current = _comparable(existing, with_images=not partial)
        wanted = self._wanted(record, region, partial, existing)
        changed = [name for name, value in wanted.items() if current.get(name) != value]
        return [field_label(name) for name in changed]

    @staticmethod
    def _wanted(record, region, partial, existing):
        wanted = {name: record[name] for name in SCALAR_FIELDS if name in record}
        if "region" in record:
            wanted["region"] = region.pk if region else None
        if "bylines" in record:
            wanted["bylines"] = [
                (_author_key(item, item["role"]), item["role"]) for item in record["bylines"]
            ]
        if "editor" in record:
            wanted["editor"] = _author_key(record["editor"], "editor") if record["editor"] else None
        if "tags" in record:
            wanted["tags"] = sorted({tag.lower() for tag in record["tags"]})
        if "photos" in record:
            wanted["photos"] = [
                _photo_key(item, with_image=not partial) for item in record["photos"]
            ]
        if "lead_photo" in record:
            lead = record["lead_photo"]
            wanted["lead_photo"] = lead["image"] if lead else None
        if "corrections" in record:
            wanted["corrections"] = [(c["published_at"], c["text"]) for c in record["corrections"]]
        if partial and "tags" in wanted:
            # A page adds tags; it never removes the ones editors gave the article.
            wanted["tags"] = sorted(set(wanted["tags"]) | set(_tag_names(existing)))
        return wanted

    # --- writing --------------------------------------------------------------------------

    def _write(self, record, existing, region, partial, base_dir, written):
        article = existing or Article(origin_key=record["origin_key"])
        for name in SCALAR_FIELDS:
            if name in record and name not in ("created_at", "updated_at"):
                setattr(article, name, record[name])
        if "region" in record:
            article.dateline_region = region
        if "editor" in record:
            editor = record["editor"]
            article.editor = (
                get_or_create_author(editor["name"], "editor", editor.get("slug"))[0]
                if editor
                else None
            )
        if existing is not None:
            article.version += 1
        article._change_reason = _("导入")
        article.full_clean(validate_unique=False)
        article.save()
        if "bylines" in record:
            self._write_bylines(article, record["bylines"])
        if "tags" in record:
            if partial:
                article.tags.add(*record["tags"])
            else:
                article.tags.set(record["tags"])
        if "photos" in record:
            self._write_photos(article, record["photos"], partial, base_dir, written)
        if "lead_photo" in record:
            lead = record["lead_photo"]
            article.lead_photo = self._archive_photo(lead, base_dir, written) if lead else None
            article.save(update_fields=["lead_photo"])
        if "corrections" in record:
            article.corrections.all().delete()
            Correction.objects.bulk_create(
                Correction(
                    article=article,
                    published_at=c["published_at"] or timezone.now(),
                    text=c["text"],
                )
                for c in record["corrections"]
            )
        times = {name: record[name] for name in ("created_at", "updated_at") if record.get(name)}
        if times:
            # auto_now/auto_now_add fields can only be set back with an UPDATE.
            Article.objects.filter(pk=article.pk).update(**times)
        return article

    @staticmethod
    def _write_bylines(article, bylines):
        article.bylines.all().delete()
        seen, rows = set(), []
        for position, item in enumerate(bylines):
            author = get_or_create_author(item["name"], item["role"], item.get("slug"))[0]
            if (author.pk, item["role"]) in seen:
                continue
            seen.add((author.pk, item["role"]))
            rows.append(
                Byline(article=article, author=author, role=item["role"], position=position)
            )
        Byline.objects.bulk_create(rows)

    def _write_photos(self, article, photos, partial, base_dir, written):
        old = {
            (item.photo.caption, item.photo.photographer.name): item.photo
            for item in article.inline_photos.select_related("photo__photographer")
        }
        old_ids = {photo.pk for photo in old.values()}
        article.inline_photos.all().delete()
        placed = []
        for item in photos:
            if partial:
                photo = old.get((item["caption"][:CAPTION_MAX], item["photographer"]["name"]))
                photo = photo or self._page_photo(item, written)
            else:
                photo = self._archive_photo(item, base_dir, written)
            if photo is not None:
                ArticlePhoto.objects.create(
                    article=article, photo=photo, after_paragraph=item["after_paragraph"]
                )
                placed.append(photo)
        if (
            partial
            and placed
            and (article.lead_photo_id is None or article.lead_photo_id in old_ids)
        ):
            article.lead_photo = placed[0]
            article.save(update_fields=["lead_photo"])

    def _page_photo(self, item, written):
        """A Photo from an image file next to the page; None (and a note) if unusable."""
        photographer = get_or_create_author(item["photographer"]["name"], "photographer")[0]
        try:
            with item["file"].open("rb") as handle:
                photo = create_photo(
                    File(handle, name=item["file"].name),
                    caption=item["caption"][:CAPTION_MAX],
                    alt_text=item["alt_text"][:ALT_MAX],
                    photographer=photographer,
                )
        except (ValidationError, OSError) as exc:
            self._photo_notes.append(
                _("图片 %(name)s 无法使用，已跳过：%(error)s")
                % {"name": item["file"].name, "error": _describe(exc)}
            )
            return None
        written.extend(photo_file_names(photo))
        return photo

    def _archive_photo(self, item, base_dir, written):
        """The Photo an export refers to: the same row, the same stored file, or a file beside
        the NDJSON; None (and a note) when the image is nowhere to be found."""
        person = item["photographer"]
        photographer = get_or_create_author(person["name"], "photographer", person.get("slug"))[0]
        fields = {
            "caption": item["caption"][:CAPTION_MAX],
            "alt_text": item["alt_text"][:ALT_MAX] or item["caption"][:ALT_MAX],
            "photographer": photographer,
            "taken_on": item.get("taken_on"),
        }
        photo = Photo.objects.filter(image=item["image"]).first()
        if photo is not None:
            if any(getattr(photo, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(photo, name, value)
                photo.save()
            return photo
        if photo_storage().exists(item["image"]):
            # The file is already stored (same storage, or copied media): refer to it as is.
            photo = Photo(image=item["image"], renditions=item.get("renditions") or {}, **fields)
            photo.save()
            return photo
        local = local_image(base_dir, item["image"]) or local_image(
            base_dir, item["image"].rsplit("/", 1)[-1]
        )
        if local is not None:
            return self._page_photo(
                {**item, "file": local, "photographer": person, "alt_text": fields["alt_text"]},
                written,
            )
        self._photo_notes.append(_("图片文件 %(name)s 不存在，已跳过。") % {"name": item["image"]})
        return None

    @staticmethod
    def _discard(names):
        if names:
            delete_names(photo_storage(), names)


def _describe(exc):
    if not isinstance(exc, ValidationError):
        return str(exc)
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    parts = []
    for name, messages in exc.message_dict.items():
        prefix = "" if name == NON_FIELD_ERRORS else f"{field_label(name)}："
        parts.append(prefix + " ".join(messages))
    return "；".join(parts)


def _author_key(person, role):
    author = find_author(person["name"], role, person.get("slug"))
    return author.pk if author else ("new", person["name"])


def _photo_key(item, with_image):
    person = item["photographer"]
    author = find_author(person["name"], "photographer", person.get("slug"))
    key = (
        item["caption"][:CAPTION_MAX],
        author.pk if author else ("new", person["name"]),
        item["after_paragraph"],
    )
    return (*key, item["image"]) if with_image else key


def _tag_names(article):
    return [tag.name.lower() for tag in article.tags.all()] if article else []


def _comparable(article, with_images):
    """The article's values in the shapes `_wanted` produces; empty for a new article."""
    if article is None:
        return {}
    values = {name: getattr(article, name) for name in SCALAR_FIELDS}
    values["region"] = article.dateline_region_id
    values["bylines"] = [(b.author_id, b.role) for b in article.bylines.all()]
    values["editor"] = article.editor_id
    values["tags"] = sorted(_tag_names(article))
    photos = article.inline_photos.select_related("photo")
    values["photos"] = [
        (item.photo.caption, item.photo.photographer_id, item.after_paragraph)
        + ((item.photo.image.name,) if with_images else ())
        for item in photos
    ]
    values["lead_photo"] = article.lead_photo.image.name if article.lead_photo_id else None
    values["corrections"] = [(c.published_at, c.text) for c in article.corrections.all()]
    return values


def start_of_day(day):
    """Midnight in the site's time zone: the publish time of a page that prints no time."""
    return timezone.make_aware(datetime.combine(day, time.min))
