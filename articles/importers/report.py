"""The per-file import report: what was understood, what was dropped, what needs a look."""

from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.importers.wire import DROPPED_KINDS

ACTIONS = {
    "created": (gettext_lazy("新建"), gettext_lazy("将新建")),
    "updated": (gettext_lazy("更新"), gettext_lazy("将更新")),
    "unchanged": (gettext_lazy("未变"), gettext_lazy("未变")),
}
SAMPLE_LENGTH = 60


def headline(item, outcome, dry_run):
    label = ACTIONS[outcome.action][1 if dry_run else 0]
    changes = ""
    if outcome.action == "updated":
        changes = _("（%(fields)s）") % {"fields": "、".join(outcome.changes)}
    return f"{label} «{outcome.title}»{changes} ← {item.label}"


def understood(item, outcome):
    """One line of what the page said, as the importer read it."""
    page = item.page
    parts = [_("来源 %(source)s") % {"source": page.source}]
    region = outcome.region
    place = str(region) if region else (page.place or _("无地点"))
    parts.append(_("电头 %(place)s %(date)s") % {"place": place, "date": page.dateline_date})
    if page.bylines:
        parts.append(_("署名 %(names)s") % {"names": "、".join(name for name, _r in page.bylines)})
    if page.editor:
        parts.append(_("编辑 %(name)s") % {"name": page.editor})
    parts.append(_("正文 %(count)d 段") % {"count": len(page.paragraphs)})
    if page.photos:
        parts.append(_("图片 %(count)d 张") % {"count": len(page.photos)})
    return _("识别：") + " · ".join(parts)


def photo_lines(item):
    return [
        _("图片“%(caption)s”（%(credit)s）无图片文件，说明保留在正文第 %(after)d 段之后。")
        % {"caption": _cut(ref.caption), "credit": ref.credit, "after": ref.after_paragraph}
        for ref in item.kept_in_body
    ]


def dropped_line(dropped):
    counts = Counter(entry.kind for entry in dropped)
    if not counts:
        return ""
    parts = [
        _("%(what)s %(count)d 处") % {"what": DROPPED_KINDS[kind], "count": count}
        for kind, count in counts.items()
    ]
    return _("丢弃：") + "；".join(parts)


def dropped_details(dropped):
    return [f"  - [{DROPPED_KINDS[entry.kind]}] {_cut(entry.text)}" for entry in dropped]


def _cut(text):
    text = " ".join((text or "").split())
    return text if len(text) <= SAMPLE_LENGTH else text[:SAMPLE_LENGTH] + "…"
