"""Article records: the one dict shape that export writes, import reads and diffs compare.

`export_articles` writes `article_record(article)` as one JSON line per article;
`import_articles` turns each line back into a record with `parse_record`, and a wire page
into a partial record with `page_record`. The importer compares records, so "what would
change" is the same question for both kinds of input.
"""

import json

from django.conf import settings
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import escape
from django.utils.translation import gettext as _

from articles.importers.wire import content_fingerprint
from articles.models import Article, Byline

FORMAT = "newsportal.article/1"
TEXT_FIELDS = (
    "title",
    "slug",
    "subtitle",
    "summary",
    "body",
    "source",
    "status",
    "retraction_reason",
    "original_source",
    "original_title",
    "original_author",
    "original_url",
)
TIME_FIELDS = (
    "publish_at",
    "expires_at",
    "recommended_until",
    "retracted_at",
    "created_at",
    "updated_at",
)
PREFETCH = ("bylines__author", "tags", "inline_photos__photo__photographer", "corrections")
SELECT = ("dateline_region", "editor", "lead_photo__photographer")


class RecordError(ValueError):
    """A record that cannot be imported; the message says which field and why."""


def export_queryset(queryset):
    """`queryset` with everything `article_record` reads fetched in a fixed number of queries."""
    return queryset.select_related(*SELECT).prefetch_related(*PREFETCH)


def own_url(article):
    return settings.SITE_URL.rstrip("/") + reverse(
        "articles:detail_short", kwargs={"pk": article.pk}
    )


def own_article_id(origin_key):
    """The pk when `origin_key` is this site's own short article URL, else None."""
    site = settings.SITE_URL.rstrip("/")
    if not origin_key or not origin_key.startswith(site + "/"):
        return None
    try:
        match = resolve(origin_key[len(site) :])
    except (Resolver404, NoReverseMatch):
        return None
    return match.kwargs.get("pk") if match.url_name == "detail_short" else None


def _time(value):
    return timezone.localtime(value).isoformat() if value else None


def _person(author):
    return {"name": author.name, "slug": author.slug} if author else None


def _photo(photo):
    if photo is None:
        return None
    return {
        "image": photo.image.name,
        "caption": photo.caption,
        "alt_text": photo.alt_text,
        "photographer": _person(photo.photographer),
        "taken_on": photo.taken_on.isoformat() if photo.taken_on else None,
        "renditions": photo.renditions or {},
    }


def article_record(article):
    """The exported form of an article: identity, text, people, places, photos and times."""
    region = article.dateline_region
    record = {"format": FORMAT, "origin_key": article.origin_key or own_url(article)}
    record.update({name: getattr(article, name) for name in TEXT_FIELDS})
    record.update(
        {
            "region": {"slug": region.slug, "name": region.name} if region else None,
            "dateline_date": article.dateline_date.isoformat() if article.dateline_date else None,
            "bylines": [
                {**_person(byline.author), "role": byline.role} for byline in article.bylines.all()
            ],
            "editor": _person(article.editor),
            "tags": sorted(tag.name for tag in article.tags.all()),
            "is_reprint": article.is_reprint,
            "lead_photo": _photo(article.lead_photo),
            "photos": [
                {**_photo(item.photo), "after_paragraph": item.after_paragraph}
                for item in article.inline_photos.all()
            ],
            "corrections": [
                {"published_at": _time(item.published_at), "text": item.text}
                for item in article.corrections.all()
            ],
        }
    )
    record.update({name: _time(getattr(article, name)) for name in TIME_FIELDS})
    return record


def dumps(record):
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def page_record(page, *, base_dir=None):
    """The partial record a wire page gives: what the page says and nothing else.

    Photos whose image file sits next to the page become photos; the others keep their
    caption and credit in the body, as an italic paragraph where the photo stood.
    """
    paragraphs = [f"<p>{escape(text)}</p>" for text in page.paragraphs]
    photos, kept_in_body = [], []
    for ref in page.photos:
        path = local_image(base_dir, ref.image)
        if path is not None and ref.photographers:
            photos.append(
                {
                    "file": path,
                    "caption": ref.caption,
                    "alt_text": ref.caption,
                    "photographer": {"name": ref.photographers[0]},
                    "after_paragraph": ref.after_paragraph,
                }
            )
        else:
            kept_in_body.append(ref)
    # Insert from the end so earlier positions stay valid.
    for ref in reversed(kept_in_body):
        caption = f"<p><em>{escape(ref.caption)} {escape(ref.credit)}</em></p>"
        paragraphs.insert(ref.after_paragraph, caption)
    record = {
        "origin_key": page.origin_key,
        "title": page.title,
        "source": page.source,
        "region": {"name": page.place} if page.place else None,
        "dateline_date": page.dateline_date,
        "bylines": [{"name": name, "role": role} for name, role in page.bylines],
        "editor": {"name": page.editor} if page.editor else None,
        "body": "".join(paragraphs),
    }
    if photos:
        record["photos"] = photos
    return record, kept_in_body


def local_image(base_dir, reference):
    """The image file a page refers to, if it is inside the page's folder."""
    if not reference or base_dir is None or "://" in reference or reference.startswith("data:"):
        return None
    candidate = (base_dir / reference.split("?")[0].split("#")[0]).resolve()
    if not candidate.is_file() or not candidate.is_relative_to(base_dir.resolve()):
        return None
    return candidate


def parse_record(data):
    """A record from one decoded NDJSON object, with dates and times as Python values."""
    if not isinstance(data, dict):
        raise RecordError(_("每行应是一个 JSON 对象。"))
    record = {"origin_key": data.get("origin_key")}
    for name in TEXT_FIELDS:
        if name in data:
            record[name] = _text(data, name)
    if not record.get("title"):
        raise RecordError(_("缺少标题（title）。"))
    if record.get("status", Article.Status.DRAFT) not in Article.Status.values:
        raise RecordError(_("未知的状态：%(status)s") % {"status": record["status"]})
    for name in TIME_FIELDS:
        if name in data:
            record[name] = _datetime(data, name)
    if "dateline_date" in data:
        record["dateline_date"] = _date(data.get("dateline_date"), "dateline_date")
    if "is_reprint" in data:
        record["is_reprint"] = bool(data["is_reprint"])
    if "region" in data:
        record["region"] = _object(data, "region", ("slug", "name"))
    if "editor" in data:
        record["editor"] = _object(data, "editor", ("name", "slug"))
    if "bylines" in data:
        record["bylines"] = [_byline(item) for item in _list(data, "bylines")]
    if "tags" in data:
        record["tags"] = [str(tag).strip() for tag in _list(data, "tags") if str(tag).strip()]
    if "lead_photo" in data:
        record["lead_photo"] = _photo_in(data["lead_photo"]) if data["lead_photo"] else None
    if "photos" in data:
        record["photos"] = [_photo_in(item, inline=True) for item in _list(data, "photos")]
    if "corrections" in data:
        record["corrections"] = [_correction(item) for item in _list(data, "corrections")]
    if not isinstance(record["origin_key"], str) or not record["origin_key"].strip():
        place = (record.get("region") or {}).get("name", "")
        record["origin_key"] = content_fingerprint(
            record.get("source", ""), place, record.get("dateline_date"), record["title"]
        )
    return record


def _text(data, name):
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(_("%(field)s 应是文字。") % {"field": name})
    return value


def _datetime(data, name):
    value = data.get(name)
    if value in (None, ""):
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise RecordError(
            _("%(field)s 不是有效的时间：%(value)r") % {"field": name, "value": value}
        )
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _date(value, name):
    if value in (None, ""):
        return None
    try:
        parsed = parse_date(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise RecordError(
            _("%(field)s 不是有效的日期：%(value)r") % {"field": name, "value": value}
        )
    return parsed


def _list(data, name):
    value = data.get(name) or []
    if not isinstance(value, list):
        raise RecordError(_("%(field)s 应是列表。") % {"field": name})
    return value


def _object(data, name, keys):
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, dict) or not any(isinstance(value.get(k), str) for k in keys):
        raise RecordError(_("%(field)s 应是含 %(keys)s 的对象。") % {"field": name, "keys": keys})
    return {k: value[k] for k in keys if isinstance(value.get(k), str) and value[k]}


def _byline(item):
    person = _object({"byline": item}, "byline", ("name", "slug"))
    if not person or not person.get("name"):
        raise RecordError(_("署名缺少姓名。"))
    role = item.get("role") or Byline.Role.REPORTER
    if role not in Byline.Role.values:
        raise RecordError(_("未知的署名角色：%(role)s") % {"role": role})
    return {**person, "role": role}


def _photo_in(item, inline=False):
    if not isinstance(item, dict) or not isinstance(item.get("image"), str):
        raise RecordError(_("图片应有 image（存储中的文件名）。"))
    photographer = _object(item, "photographer", ("name", "slug"))
    if not photographer or not photographer.get("name"):
        raise RecordError(_("图片缺少摄影者。"))
    photo = {
        "image": item["image"],
        "caption": _text(item, "caption"),
        "alt_text": _text(item, "alt_text"),
        "photographer": photographer,
        "taken_on": _date(item.get("taken_on"), "taken_on"),
        "renditions": item["renditions"] if isinstance(item.get("renditions"), dict) else {},
    }
    if inline:
        position = item.get("after_paragraph", 1)
        if not isinstance(position, int) or position < 0:
            raise RecordError(_("after_paragraph 应是非负整数。"))
        photo["after_paragraph"] = position
    return photo


def _correction(item):
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise RecordError(_("更正应有 text。"))
    return {"published_at": _datetime(item, "published_at"), "text": item["text"]}
