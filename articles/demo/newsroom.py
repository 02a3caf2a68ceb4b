"""Building the demo newsroom: authors, photos, ~200 stories, reads, likes and reports.

Deterministic (a seeded random generator) and idempotent: demo articles are keyed on
origin_key "demo:NNNN" and authors on their slug, so a second run creates only what is
missing and tops up the last days' reads. `reset()` removes what the demo created.
"""

import io
import math
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from articles.demo import text
from articles.models import (
    Article,
    ArticlePhoto,
    Author,
    Byline,
    Correction,
    DailyReads,
    Photo,
    Region,
    Report,
    Tag,
)
from articles.photos.services import create_photo, delete_names, photo_file_names, photo_storage
from articles.regions import load_regions, resolve_place

PREFIX = "demo:"
SEED = 2026
PHOTO_SIZE = (720, 480)
READ_DAYS = 7
SPECIAL = {
    "draft": (3, 17, 41, 66, 90, 123, 150, 177),
    "review": (9, 58, 101, 160),
    "unpublished": (77, 133),
    "scheduled": (5,),
    "retracted": (27,),
    "corrected": (12, 45, 88),
}
RECOMMENDED = 6


@dataclass
class DemoResult:
    articles_created: int = 0
    articles_existing: int = 0
    authors_created: int = 0
    photos_created: int = 0
    reads_added: int = 0


def build(count=200, now=None, progress=None):
    """Create what is missing of the demo newsroom; returns a DemoResult."""
    now = now or timezone.now()
    result = DemoResult()
    if not Region.objects.exists():
        load_regions(Region)
    cities = [region for name in text.CITIES if (region := resolve_place(name))]
    if not cities:
        raise ValueError(_("地区表是空的，请先运行 migrate（迁移 0003 会载入地区）。"))
    authors = _authors(result)
    photos = _photos(authors, result)
    # Tag rows fetched once: taggit's add() looks each name up again when given strings.
    tags = {
        name: Tag.objects.get_or_create(name=name)[0]
        for topic in text.TOPICS
        for name in topic["tags"]
    }
    rng = random.Random(SEED)  # noqa: S311 - demo content, not secrets
    existing = set(
        Article.objects.filter(origin_key__startswith=PREFIX).values_list("origin_key", flat=True)
    )
    specs = [_spec(index, rng, cities, now) for index in range(count)]
    _mark_recommended(specs, now)
    created = []
    for spec in specs:
        if spec["origin_key"] in existing:
            result.articles_existing += 1
        else:
            created.append(_create(spec, authors, photos, tags, now))
            result.articles_created += 1
        if progress:
            progress.update(1)
    if created:
        # Back-date the bookkeeping times too, so admin lists look like a real archive.
        Article.objects.bulk_update(created, ["created_at", "updated_at"], batch_size=100)
    result.reads_added = _top_up_reads(now)
    return result


def _authors(result):
    authors = {}
    for name, slug, reporter, photographer, editor in text.AUTHORS:
        author, created = Author.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "is_reporter": reporter,
                "is_photographer": photographer,
                "is_editor": editor,
                "bio": f"{name}，本网{_job(reporter, photographer, editor)}。",
            },
        )
        result.authors_created += created
        authors[slug] = author
    return authors


def _job(reporter, photographer, editor):
    if reporter:
        return "记者"
    return "摄影记者" if photographer else "编辑"


def _photographers(authors):
    return [a for a in authors.values() if a.is_photographer]


def _reporters(authors):
    return [a for a in authors.values() if a.is_reporter]


def _editors(authors):
    return [a for a in authors.values() if a.is_editor]


def _photos(authors, result):
    """Two generated photos per topic, found again by caption and photographer on re-runs."""
    photographers = _photographers(authors)
    photos = {}
    for topic_index, topic in enumerate(text.TOPICS):
        for caption_index, caption in enumerate(topic["captions"]):
            photographer = photographers[(topic_index + caption_index) % len(photographers)]
            photo = Photo.objects.filter(caption=caption, photographer=photographer).first()
            if photo is None:
                image = _picture(topic_index * 2 + caption_index)
                photo = create_photo(
                    SimpleUploadedFile("demo.jpg", image, content_type="image/jpeg"),
                    caption=caption,
                    alt_text=caption.rstrip("。"),
                    photographer=photographer,
                )
                result.photos_created += 1
            photos[(topic_index, caption_index)] = photo
    return photos


def _picture(seed):
    """A simple landscape: a sky gradient, a sun and two ranges of hills."""
    rng = random.Random(seed)  # noqa: S311
    width, height = PHOTO_SIZE
    top = (rng.randint(40, 120), rng.randint(90, 170), rng.randint(170, 240))
    bottom = (rng.randint(200, 255), rng.randint(160, 230), rng.randint(120, 200))
    image = Image.new("RGB", PHOTO_SIZE)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)),
        )
    sun_x, sun_y = rng.randint(100, width - 100), rng.randint(60, 220)
    draw.ellipse([sun_x - 50, sun_y - 50, sun_x + 50, sun_y + 50], fill=(255, 236, 180))
    for layer, base in enumerate((0.55, 0.7)):
        shade = (rng.randint(30, 90), rng.randint(90, 150), rng.randint(40, 100))
        shade = tuple(max(0, c - layer * 25) for c in shade)
        points = [(0, height)]
        for x in range(0, width + 80, 80):
            points.append((x, int(height * base + rng.randint(-60, 40))))
        points.append((width, height))
        draw.polygon(points, fill=shade)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _values(rng, region, person, person2):
    """Placeholder values for one paragraph (the title shares its lead's)."""
    return {
        "city": region.name,
        "province": region.parent.name if region.parent_id else region.name,
        "person": person,
        "person2": person2,
        "n1": rng.randint(3, 9),
        "n2": rng.randint(12, 96),
        "n3": rng.randint(12, 98) * 100,
        "pct": f"{rng.uniform(3, 18):.1f}",
        "good": f"{rng.uniform(82, 96):.1f}",
        "yi": rng.randint(6, 120),
        "km": rng.randint(18, 46),
        "stations": rng.randint(12, 30),
    }


def _fill(template, values):
    filled = template.format(**values)
    # A municipality is its own province: "北京北京：" reads "北京：".
    return filled.replace(values["city"] * 2, values["city"])


def _spec(index, rng, cities, now):
    """Everything about one demo article, drawn in a fixed order so runs agree."""
    topic_index = rng.randrange(len(text.TOPICS))
    topic = text.TOPICS[topic_index]
    region = rng.choice(cities)
    # One person per paragraph, so nobody is quoted twice in two different jobs.
    people = rng.sample(text.PEOPLE, 8)
    days_ago = min(int(rng.expovariate(1 / 22)), 150)
    clock = time(rng.randint(7, 21), rng.choice((0, 5, 12, 18, 26, 30, 41, 45, 52)))
    local_now = timezone.localtime(now)
    moment = timezone.make_aware(datetime.combine(local_now.date() - timedelta(days_ago), clock))
    if moment > now:
        moment -= timedelta(days=1)
    story = rng.randrange(len(topic["titles"]))
    lead_values = _values(rng, region, people[1], people[0])
    rest = [*rng.sample(topic["body"], rng.choice((3, 4)))]
    rest.insert(rng.randint(1, len(rest)), rng.choice(topic["quotes"]))
    rest.append(rng.choice(topic["closings"]))
    paragraphs = [_fill(topic["leads"][story], lead_values)]
    for number, template in enumerate(rest, start=2):
        paragraphs.append(_fill(template, _values(rng, region, people[number], people[0])))
    return {
        "index": index,
        "origin_key": f"{PREFIX}{index:04d}",
        "topic": topic_index,
        "region": region,
        "title": _fill(topic["titles"][story], lead_values),
        "paragraphs": paragraphs,
        "publish_at": moment,
        "source": "中新社" if rng.random() < 0.2 else "中新网",
        "tags": [
            topic["tags"][0],
            *rng.sample(topic["tags"][1:], min(rng.choice((1, 2)), len(topic["tags"]) - 1)),
        ],
        "reporters": rng.choice((1, 1, 1, 2)),
        "byline_seed": rng.random(),
        "photo": rng.random(),
        "popularity": rng.paretovariate(1.3),
        "like_rate": rng.uniform(0.004, 0.03),
        "role": next((role for role, ids in SPECIAL.items() if index in ids), "published"),
        "recommended": False,
    }


def _mark_recommended(specs, now):
    live = [s for s in specs if s["role"] == "published" and s["publish_at"] > now - timedelta(3)]
    for spec in sorted(live, key=lambda s: s["publish_at"], reverse=True)[:RECOMMENDED]:
        spec["recommended"] = True


def _create(spec, authors, photos, tags, now):
    role = spec["role"]
    status = {
        "draft": Article.Status.DRAFT,
        "review": Article.Status.REVIEW,
        "unpublished": Article.Status.UNPUBLISHED,
    }.get(role, Article.Status.PUBLISHED)
    publish_at = spec["publish_at"]
    if role == "scheduled":
        publish_at = timezone.make_aware(
            datetime.combine(timezone.localdate(now) + timedelta(days=1), time(8, 0))
        )
    live = status == Article.Status.PUBLISHED and publish_at <= now
    # Long-tailed (Pareto) popularity, higher for fresh stories; the last days' reads are
    # added on top by _top_up_reads.
    views = min(int(spec["popularity"] * 120 * (1 + 3 * math.exp(-_age(spec, now) / 5))), 250_000)
    reporters = _reporters(authors)
    first = int(spec["byline_seed"] * len(reporters))
    names = [reporters[(first + k) % len(reporters)] for k in range(spec["reporters"])]
    editors = _editors(authors)
    article = Article(
        title=spec["title"],
        body="".join(f"<p>{escape(p)}</p>" for p in spec["paragraphs"]),
        source=spec["source"],
        dateline_region=spec["region"],
        dateline_date=timezone.localtime(publish_at).date(),
        editor=editors[spec["index"] % len(editors)],
        status=status,
        publish_at=publish_at if status != Article.Status.DRAFT else None,
        origin_key=spec["origin_key"],
        view_count=views if live else 0,
        like_count=int(views * spec["like_rate"]) if live else 0,
        recommended_until=now + timedelta(days=2 + spec["index"] % 4)
        if spec["recommended"]
        else None,
    )
    if role == "retracted":
        article.retracted_at = min(publish_at + timedelta(hours=20), now)
        article.retraction_reason = text.RETRACTION_REASON
    if spec["photo"] < 0.65:
        article.lead_photo = photos[(spec["topic"], 0)]
    article._change_reason = "load_demo"
    article.save()
    Byline.objects.bulk_create(
        Byline(article=article, author=author, position=position)
        for position, author in enumerate(names)
    )
    article.tags.add(*(tags[name] for name in spec["tags"]))
    if spec["photo"] < 0.25:
        ArticlePhoto.objects.create(
            article=article, photo=photos[(spec["topic"], 1)], after_paragraph=2
        )
    if role == "corrected":
        Correction.objects.create(
            article=article,
            published_at=publish_at + timedelta(hours=6),
            text=text.CORRECTIONS[SPECIAL["corrected"].index(spec["index"])],
        )
    if spec["index"] in (1, 2):
        for number in range(spec["index"] + 1):
            Report.objects.create(
                article=article,
                reason=Report.Reason.RUMOUR if number else Report.Reason.OTHER,
                detail=text.REPORT_DETAILS[number],
                visitor_key=f"demo{spec['index']}{number}".ljust(64, "0"),
            )
    article.created_at = article.updated_at = (publish_at or now) - timedelta(hours=1)
    return article


def _age(spec, now):
    return max((now - spec["publish_at"]).total_seconds() / 86400, 0)


def _top_up_reads(now):
    """DailyReads for the last days, so hot picks have something to rank; adds only missing
    (article, day) rows and puts them into the article's total too."""
    today = timezone.localdate(now)
    days = [today - timedelta(days=k) for k in range(READ_DAYS)]
    articles = list(
        Article.objects.listed(now)
        .filter(origin_key__startswith=PREFIX, publish_at__gte=now - timedelta(days=30))
        .values_list("pk", "publish_at", "view_count")
    )
    have = set(
        DailyReads.objects.filter(article__in=[a[0] for a in articles], day__in=days).values_list(
            "article_id", "day"
        )
    )
    rows, totals = [], {}
    for pk, publish_at, views in articles:
        published = timezone.localtime(publish_at).date()
        rng = random.Random(pk)  # noqa: S311
        for day in days:
            if day < published or (pk, day) in have:
                continue
            age = (day - published).days
            count = int(views * 0.3 * math.exp(-age / 2.5) * rng.uniform(0.7, 1.1)) + rng.randint(
                0, 9
            )
            rows.append(DailyReads(article_id=pk, day=day, count=count))
            totals[pk] = totals.get(pk, 0) + count
    DailyReads.objects.bulk_create(rows, batch_size=500)
    for pk, added in totals.items():
        Article.objects.filter(pk=pk).update(view_count=F("view_count") + added)
    return sum(totals.values())


def existing_count():
    return Article.objects.filter(origin_key__startswith=PREFIX).count()


def reset():
    """Delete the demo's articles, and its photos, authors and tags nothing else uses."""
    demo = Article.objects.filter(origin_key__startswith=PREFIX)
    photo_ids = set(demo.exclude(lead_photo=None).values_list("lead_photo", flat=True))
    photo_ids |= set(ArticlePhoto.objects.filter(article__in=demo).values_list("photo", flat=True))
    deleted = demo.count()
    demo.delete()
    photos = Photo.objects.filter(pk__in=photo_ids).exclude(
        Q(lead_of__isnull=False) | Q(pk__in=ArticlePhoto.objects.values("photo"))
    )
    names = [name for photo in photos for name in photo_file_names(photo)]
    photos.delete()
    delete_names(photo_storage(), names)
    slugs = [entry[1] for entry in text.AUTHORS]
    Author.objects.filter(slug__in=slugs, user__isnull=True, photos__isnull=True).exclude(
        pk__in=Byline.objects.values("author")
    ).exclude(edited_articles__isnull=False).delete()
    topic_tags = {tag for topic in text.TOPICS for tag in topic["tags"]}
    Tag.objects.filter(name__in=topic_tags, tagged_articles__isnull=True).delete()
    return deleted
