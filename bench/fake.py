"""Realistic fake newsroom rows, produced as lines of PostgreSQL COPY text.

Everything is drawn from `bench.vocabulary` with a seeded `random.Random`, one per chunk
of article ids, so a load is reproducible whatever order the worker processes run the
chunks in. Article ids follow publish time, as on a real site, so the table's physical
order matches its main index. Child rows get ids computed from the article id
(article × slots + slot), so parallel workers never collide and need no sequence.
"""

import random
import re
from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from bench import vocabulary as v

BODY_MIN, BODY_MAX, BODY_MODE = 800, 2000, 1200
BYLINE_SLOTS, TAG_SLOTS, PHOTO_SLOTS = 4, 6, 2
YEARS = 10
HOT_DAYS = 14
IMAGE_NAMES = 24
PARAGRAPHS = 60000
NULL = "\\N"

ARTICLE_COLUMNS = (
    "id", "title", "slug", "subtitle", "summary", "body", "source", "dateline_date",
    "status", "publish_at", "expires_at", "created_at", "updated_at", "recommended_until",
    "view_count", "like_count", "version", "is_reprint", "original_source", "original_title",
    "original_author", "original_url", "origin_key", "retracted_at", "retraction_reason",
    "created_by_id", "retracted_by_id", "editor_id", "lead_photo_id", "dateline_region_id",
    "province_id",
)  # fmt: skip
BYLINE_COLUMNS = ("id", "article_id", "author_id", "role", "position", "publish_at")
TAGGED_COLUMNS = ("id", "content_object_id", "tag_id", "publish_at")
ARTICLE_PHOTO_COLUMNS = ("id", "article_id", "photo_id", "after_paragraph")
DAILY_READS_COLUMNS = ("id", "article_id", "day", "count")
CORRECTION_COLUMNS = ("id", "article_id", "published_at", "text")

BEIJING = timedelta(hours=8)


def _number(rng):
    return str(rng.choice((rng.randint(2, 99), rng.randint(100, 999), rng.randint(1000, 9999))))


def _fill(template, rng):
    return template.replace("{p}", f"{rng.randint(1, 300) / 10:.1f}").replace("{n}", _number(rng))


def make_sentence(rng, places):
    """One sentence of wire copy in one of a handful of shapes."""
    shape = rng.randrange(6)
    place = rng.choice(places)
    if shape == 0:
        return (
            f"{rng.choice(v.OPENERS)}，{place}{rng.choice(v.ACTORS)}{rng.choice(v.VERBS)}"
            f"{rng.choice(v.TOPICS)}，{rng.choice(v.TAILS)}。"
        )
    if shape == 1:
        return (
            f"据{rng.choice(v.ACTORS)}介绍，{place}{rng.choice(v.TOPICS)}{rng.choice(v.PROGRESS)}，"
            f"{_fill(rng.choice(v.STATS), rng)}。"
        )
    if shape == 2:
        return (
            f"{rng.choice(v.SPEAKERS)}{rng.choice(v.SAY)}：“{rng.choice(v.QUOTES)}，"
            f"{rng.choice(v.QUOTES)}。”"
        )
    if shape == 3:
        return (
            f"{rng.choice(v.PERIODS)}，{place}{rng.choice(v.METRICS)}"
            f"{_fill(rng.choice(v.STATS[:2]), rng)}，{rng.choice(v.TAILS)}。"
        )
    if shape == 4:
        return (
            f"{rng.choice(v.OPENERS)}，{rng.choice(v.ACTORS)}还将{rng.choice(v.VERBS)}"
            f"{rng.choice(v.TOPICS)}和{rng.choice(v.TOPICS)}，{_fill(rng.choice(v.STATS), rng)}。"
        )
    return f"{place}{rng.choice(v.TOPICS)}{rng.choice(v.PROGRESS)}，{rng.choice(v.TAILS)}。"


def make_title(rng, place):
    shape = rng.randrange(4)
    if shape == 0:
        return f"{place}{rng.choice(v.VERBS)}{rng.choice(v.TOPICS)}"
    if shape == 1:
        return f"{place}：{rng.choice(v.TOPICS)}{rng.choice(v.PROGRESS)}"
    if shape == 2:
        return f"{rng.choice(v.TOPICS)}{rng.choice(v.PROGRESS)} {rng.choice(v.TAILS)}"
    return f"{place}{rng.choice(v.ACTORS)}{rng.choice(v.VERBS)}{rng.choice(v.TOPICS)}"


def person_names(rng, count):
    """`count` distinct two- or three-character Chinese names."""
    names = set()
    while len(names) < count:
        given = rng.choice(v.GIVEN) + (rng.choice(v.GIVEN) if rng.random() < 0.7 else "")
        names.add(rng.choice(v.SURNAMES) + given)
    return sorted(names)


def tag_names(rng, count, places):
    """`count` distinct tag names: topics, subjects, and places crossed with subjects."""
    names = list(dict.fromkeys([*v.TOPICS, *v.TAG_WORDS]))
    seen = set(names)
    while len(names) < count:
        name = rng.choice(places) + rng.choice(v.TAG_WORDS + v.TOPICS)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names[:count]


def zipf_weights(count, exponent=1.0):
    """Cumulative weights 1/rank^s: a few very common items and a long tail."""
    return list(accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


@dataclass
class Lookups:
    """Ids of the small tables' rows, drawn from while generating articles."""

    regions: list  # (id, province_id, short name)
    writer_ids: list
    photographer_ids: list
    editor_ids: list
    tag_ids: list
    photo_ids: list
    total: int
    now: float
    writer_weights: list = field(default_factory=list)
    tag_weights: list = field(default_factory=list)
    region_weights: list = field(default_factory=list)

    def __post_init__(self):
        self.writer_weights = zipf_weights(len(self.writer_ids), 0.8)
        self.tag_weights = zipf_weights(len(self.tag_ids), 0.8)
        self.region_weights = zipf_weights(len(self.regions), 0.7)


def check_copy_safe():
    """The COPY lines are built unescaped: make sure no vocabulary string needs escaping."""
    bad = re.compile(r"[\t\n\r\\]")
    for name in (n for n in dir(v) if n.isupper()):
        value = getattr(v, name)
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        for item in items:
            if bad.search(item):
                raise ValueError(f"vocabulary.{name} has a character COPY would need escaped")


def _ts(epoch):
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _day(epoch):
    return (datetime.fromtimestamp(epoch, UTC) + BEIJING).date()


class ChunkMaker:
    """Builds the rows of a range of article ids with a seeded generator."""

    def __init__(self, lookups, seed):
        self.lk = lookups
        self.seed = seed
        self.span = YEARS * 365.25 * 86400
        self.start = lookups.now - self.span
        pool_rng = random.Random(f"{seed}-pool")
        places = [name for _id, _province, name in lookups.regions]
        sentences = [make_sentence(pool_rng, places) for _ in range(20000)]
        # Bodies are runs of this shuffled paragraph pool: two random numbers per body.
        self.paragraphs, self.ends, length = [], [0], 0
        for _ in range(PARAGRAPHS):
            chosen = pool_rng.choices(sentences, k=pool_rng.randint(2, 5))
            self.paragraphs.append("<p>" + "".join(chosen) + "</p>")
            length += sum(map(len, chosen))
            self.ends.append(length)

    def publish_time(self, article_id, rng):
        """Evenly spread over ten years, denser in recent years (density grows as t^0.25)."""
        u = (article_id - rng.random()) / self.lk.total
        return self.start + self.span * u**0.8

    def body(self, rng):
        """A run of consecutive pool paragraphs long enough for a length drawn around 1,200."""
        target = rng.triangular(BODY_MIN, BODY_MAX, BODY_MODE)
        start = int(rng.random() * (len(self.paragraphs) - 40))
        end = bisect(self.ends, self.ends[start] + target, lo=start) + 1
        paragraphs = self.paragraphs[start:end]
        return "".join(paragraphs), paragraphs

    def rows(self, first_id, last_id):
        """{table: [COPY line, ...]} for articles first_id..last_id inclusive."""
        rng = random.Random(f"{self.seed}-{first_id}")
        lk = self.lk
        out = {k: [] for k in ("article", "byline", "tagged", "photo", "reads", "correction")}
        hot_from = lk.now - HOT_DAYS * 86400
        today = _day(lk.now)
        for article_id in range(first_id, last_id + 1):
            region_id, province_id, place = lk.regions[pick(lk.region_weights, rng)]
            publish = self.publish_time(article_id, rng)
            roll = rng.random()
            status, retracted, expires = "published", None, None
            if article_id > lk.total * 0.9985:
                publish = lk.now + rng.uniform(600, 7 * 86400)  # scheduled
            elif roll < 0.010:
                status = "draft"
            elif roll < 0.015:
                status = "review"
            elif roll < 0.017:
                status = "unpublished"
            elif roll < 0.018:
                retracted = publish + rng.uniform(3600, 30 * 86400)
            elif roll < 0.019:
                expires = publish + rng.uniform(86400, 90 * 86400)
            published = status == "published"
            title = make_title(rng, place)
            body, paragraphs = self.body(rng)
            has_photo = published and rng.random() < 0.65
            lead_photo = rng.choice(lk.photo_ids) if has_photo else None
            views = int(rng.lognormvariate(5.5, 1.6)) if published and publish < lk.now else 0
            reprint = rng.random() < 0.05
            created = publish - rng.uniform(600, 6 * 3600)
            updated = publish + (rng.uniform(3600, 86400) if rng.random() < 0.1 else 5)
            recommended = (
                _ts(publish + 3 * 86400)
                if published and publish > lk.now - 86400 and rng.random() < 0.1
                else NULL
            )
            out["article"].append(
                "\t".join(
                    (
                        str(article_id),
                        title,
                        fast_slug(title),
                        rng.choice(v.SUBTITLES) if rng.random() < 0.08 else "",
                        paragraphs[0][3:-4][:120] if rng.random() < 0.5 else "",
                        body,
                        "新闻网" if rng.random() < 0.8 else "中新网",
                        str(_day(publish)) if status != "draft" else NULL,
                        status,
                        _ts(publish) if status != "draft" else NULL,
                        _ts(expires) if expires else NULL,
                        _ts(created),
                        _ts(updated),
                        recommended,
                        str(views),
                        str(int(views * rng.uniform(0, 0.02))),
                        "1",
                        "t" if reprint else "f",
                        rng.choice(v.REPRINT_SOURCES) if reprint else "",
                        title if reprint else "",
                        "",
                        f"https://news.example.cn/{article_id}.html" if reprint else "",
                        NULL,
                        _ts(retracted) if retracted else NULL,
                        rng.choice(v.RETRACTION_REASONS) if retracted else "",
                        NULL,
                        NULL,
                        str(rng.choice(lk.editor_ids)),
                        str(lead_photo) if lead_photo else NULL,
                        str(region_id),
                        str(province_id),
                    )
                )
            )
            # Bylines and tag rows carry the publish time (Byline/TaggedArticle.publish_at).
            published_at = _ts(publish) if status != "draft" else NULL
            self._bylines(rng, article_id, lead_photo is not None, published_at, out["byline"])
            self._tags(rng, article_id, published_at, out["tagged"])
            if published and rng.random() < 0.25:
                for slot in range(rng.randint(1, PHOTO_SLOTS)):
                    after = rng.randint(1, max(1, len(paragraphs) - 1))
                    photo = rng.choice(lk.photo_ids)
                    out["photo"].append(
                        f"{article_id * PHOTO_SLOTS + slot}\t{article_id}\t{photo}\t{after}"
                    )
            if published and rng.random() < 0.005:
                out["correction"].append(
                    f"{article_id}\t{article_id}\t{_ts(updated + 3600)}\t"
                    f"{rng.choice(v.CORRECTIONS)}"
                )
            if published and hot_from <= publish <= lk.now:
                self._daily_reads(article_id, publish, views, today, out["reads"])
        return out

    def _bylines(self, rng, article_id, has_photo, publish_at, out):
        count = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
        writers = set()
        while len(writers) < count:
            writers.add(self.lk.writer_ids[pick(self.lk.writer_weights, rng)])
        for position, author in enumerate(sorted(writers)):
            role = "correspondent" if rng.random() < 0.1 else "reporter"
            row_id = article_id * BYLINE_SLOTS + position
            out.append(f"{row_id}\t{article_id}\t{author}\t{role}\t{position}\t{publish_at}")
        if has_photo and count < 3 and rng.random() < 0.3:
            photographer = rng.choice(self.lk.photographer_ids)
            row_id = article_id * BYLINE_SLOTS + 3
            out.append(
                f"{row_id}\t{article_id}\t{photographer}\tphotographer\t{count}\t{publish_at}"
            )

    def _tags(self, rng, article_id, publish_at, out):
        count = rng.randint(3, 6)
        tags = set()
        while len(tags) < count:
            tags.add(self.lk.tag_ids[pick(self.lk.tag_weights, rng)])
        for slot, tag in enumerate(sorted(tags)):
            out.append(f"{article_id * TAG_SLOTS + slot}\t{article_id}\t{tag}\t{publish_at}")

    def _daily_reads(self, article_id, publish, views, today, out):
        """Per-day reads since publication, halving each day (most reads come on day one)."""
        day = _day(publish)
        share = views / 2
        while day <= today:
            count = max(1, int(share))
            out.append(f"{article_id * 16 + (today - day).days}\t{article_id}\t{day}\t{count}")
            share /= 2
            day += timedelta(days=1)


def fast_slug(title):
    """What `slugify(title, allow_unicode=True)` gives for generated titles, 10x faster."""
    return _DASHES.sub("-", _NOT_SLUG.sub("", title.lower())).strip("-_")[:60].strip("-")


_NOT_SLUG = re.compile(r"[^\w\s-]")
_DASHES = re.compile(r"[-\s]+")


def pick(cum_weights, rng):
    """Index drawn with the given cumulative weights."""
    return bisect(cum_weights, rng.random() * cum_weights[-1])
