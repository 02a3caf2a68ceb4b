"""China's administrative regions: load them from data/regions.json, resolve dateline places.

`load_regions()` upserts the 34 provincial-level divisions and the prefecture-level divisions
under them, keyed on slug; it takes the model class so a data migration can pass its historical
model. `resolve_place()` turns a place as written in a wire line (温州, 温州市, 延边州, 溫州)
into a Region with its parent selected.
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from articles.models import Region

DATA_FILE = Path(__file__).resolve().parent / "data" / "regions.json"

# Plain strings, not Region.Kind: a migration's historical model has no TextChoices.
PROVINCIAL_KINDS = frozenset({"province", "autonomous_region", "municipality", "sar"})
CHILD_KINDS = frozenset({"city", "prefecture", "autonomous_prefecture", "league", "county_city"})
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SYNCED_FIELDS = ("name", "full_name", "kind", "parent_id", "position")


class RegionDataError(ValueError):
    """The regions file cannot be read or breaks one of its rules."""


@dataclass
class LoadResult:
    """What one run of `load_regions` did, by slug."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def counts(self):
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }


def read_regions(path=DATA_FILE):
    """Parse and validate a regions file; return its list of provincial entries."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegionDataError(
            _("无法读取地区数据 %(path)s：%(error)s") % {"path": path, "error": exc}
        ) from exc
    provinces = data.get("provinces") if isinstance(data, dict) else None
    if not isinstance(provinces, list):
        raise RegionDataError(_("地区数据缺少 provinces 列表。"))
    validate_regions(provinces)
    return provinces


def validate_regions(provinces):
    """Raise RegionDataError unless every entry is complete, well-kinded and uniquely slugged."""
    slugs = set()
    for province in provinces:
        _check_entry(province, PROVINCIAL_KINDS, slugs)
        children = province.get("children", [])
        if not isinstance(children, list):
            raise RegionDataError(_("%(slug)s 的 children 不是列表。") % {"slug": province["slug"]})
        names = set()
        for child in children:
            _check_entry(child, CHILD_KINDS, slugs)
            if child["name"] in names:
                raise RegionDataError(
                    _("%(parent)s 下有重名的地区：%(name)s")
                    % {"parent": province["name"], "name": child["name"]}
                )
            names.add(child["name"])


def _check_entry(entry, kinds, slugs):
    if not isinstance(entry, dict):
        raise RegionDataError(_("地区条目不是对象：%(entry)r") % {"entry": entry})
    for key in ("name", "full_name", "slug", "kind"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise RegionDataError(
                _("地区条目缺少 %(key)s：%(entry)r") % {"key": key, "entry": entry}
            )
    slug = entry["slug"]
    if not SLUG_RE.fullmatch(slug) or len(slug) > 60:
        raise RegionDataError(
            _("网址名只能用小写 ASCII 字母、数字和连字符：%(slug)s") % {"slug": slug}
        )
    if slug in slugs:
        raise RegionDataError(_("网址名重复：%(slug)s") % {"slug": slug})
    if entry["kind"] not in kinds:
        raise RegionDataError(
            _("%(slug)s 的类型 %(kind)s 不适用于这一级。") % {"slug": slug, "kind": entry["kind"]}
        )
    slugs.add(slug)


def load_regions(region_model, provinces=None, using=None):
    """Create or update every region in the file, keyed on slug; return a LoadResult.

    Rows already there keep their ids (articles point at them); regions missing from the file
    are left alone. A row an editor added by hand with the same parent and name, but another
    slug, is adopted rather than duplicated, and keeps its slug (and so its URL).
    """
    if provinces is None:
        provinces = read_regions()
    else:
        validate_regions(provinces)
    objects = region_model._default_manager.db_manager(using)
    result = LoadResult()
    with transaction.atomic(using=objects.db):
        rows = list(objects.all())
        by_slug = {row.slug: row for row in rows}
        by_place = {(row.parent_id, row.name): row for row in rows}
        for position, entry in enumerate(provinces, start=1):
            province = _upsert(objects, by_slug, by_place, entry, None, position, result)
            for child_position, child in enumerate(entry.get("children", []), start=1):
                _upsert(objects, by_slug, by_place, child, province.pk, child_position, result)
    return result


def _upsert(objects, by_slug, by_place, entry, parent_id, position, result):
    wanted = {
        "name": entry["name"],
        "full_name": entry["full_name"],
        "kind": entry["kind"],
        "parent_id": parent_id,
        "position": position,
    }
    row = by_slug.get(entry["slug"]) or by_place.get((parent_id, entry["name"]))
    if row is None:
        row = objects.create(slug=entry["slug"], **wanted)
        result.created.append(entry["slug"])
    elif any(getattr(row, name) != wanted[name] for name in SYNCED_FIELDS):
        for name, value in wanted.items():
            setattr(row, name, value)
        row.save(update_fields=["name", "full_name", "kind", "parent", "position"])
        result.updated.append(entry["slug"])
    else:
        result.unchanged.append(entry["slug"])
    return row


def resolve_place(place):
    """The Region a dateline place names (parent selected), or None.

    Tries, in order: the name as written, the short form of an autonomous prefecture
    (延边州 → 延边), and the simplified form of a traditional name (溫州 → 温州). When several
    regions match, an exact full name wins (吉林市 is the city), then a provincial-level
    division over a city of the same short name (吉林, 海南 are the provinces).
    """
    if not isinstance(place, str) or not place.strip():
        return None
    place = place.strip()
    found = _lookup(place)
    if found is None and (simplified := _to_simplified(place)) != place:
        found = _lookup(simplified)
    return found


def _lookup(place):
    regions = Region.objects.select_related("parent")
    matches = list(regions.filter(Q(full_name=place) | Q(name=place)))
    if not matches and len(place) > 2 and place.endswith("州"):
        matches = list(regions.filter(name=place[:-1], kind=Region.Kind.AUTONOMOUS_PREFECTURE))
    if not matches:
        return None
    return min(
        matches,
        key=lambda r: (r.full_name != place, r.parent_id is not None, r.position, r.pk),
    )


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _to_simplified(text):
    return _converter().convert(text)
