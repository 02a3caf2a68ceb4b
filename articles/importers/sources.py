"""What `import_articles` reads: files, folders (recursively) and stdin, page by page.

Each source yields items: a record ready for `ArticleImporter.run`, or the reason a page or
an NDJSON line could not be read. Pages are wire-style text or HTML; NDJSON is our export.
"""

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from articles.importers.pages import decode, read_page
from articles.importers.records import RecordError, page_record, parse_record
from articles.importers.store import start_of_day
from articles.importers.wire import ParseError

PAGE_SUFFIXES = {".txt", ".text", ".htm", ".html", ".shtml", ".xhtml"}
NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
STDIN = "-"


@dataclass
class Source:
    name: str
    path: Path | None = None  # None for stdin
    error: str = ""

    @property
    def base_dir(self):
        return self.path.parent if self.path else None

    def read(self):
        if self.path is None:
            stream = getattr(sys.stdin, "buffer", None)
            return stream.read() if stream is not None else sys.stdin.read().encode()
        return self.path.read_bytes()


@dataclass
class Item:
    """One article of a source: its record, or `error` saying why it cannot be imported."""

    label: str
    record: dict | None = None
    base_dir: Path | None = None
    partial: bool = True
    publish_at: object = None
    page: object = None
    kept_in_body: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    error: str = ""


def collect(paths):
    """Sources for the given paths, folders expanded to their page and NDJSON files."""
    sources = []
    for raw in paths:
        if raw == STDIN:
            sources.append(Source(_("标准输入")))
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in PAGE_SUFFIXES | NDJSON_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            sources.extend(Source(str(p), p) for p in found)
        elif path.is_file():
            sources.append(Source(str(path), path))
        else:
            sources.append(Source(str(path), path, error=_("文件或文件夹不存在。")))
    return sources


def count_items(source):
    """How many articles a source holds, for the progress bar (NDJSON: its lines)."""
    if source.path is not None and source.path.suffix.lower() in NDJSON_SUFFIXES:
        try:
            with source.path.open("rb") as handle:
                return sum(1 for line in handle if line.strip())
        except OSError:
            return 1
    return 1


def read_items(source, *, today=None):
    """The items of one source; a file that cannot be read at all yields one error item."""
    if source.error:
        yield Item(source.name, error=source.error)
        return
    try:
        data = source.read()
    except OSError as exc:
        yield Item(source.name, error=_("无法读取：%(error)s") % {"error": exc.strerror or exc})
        return
    if _is_ndjson(source, data):
        yield from _ndjson_items(source, data)
        return
    try:
        page, warnings = read_page(data, today=today)
    except ParseError as exc:
        yield Item(source.name, error=str(exc))
        return
    record, kept = page_record(page, base_dir=source.base_dir)
    yield Item(
        source.name,
        record=record,
        base_dir=source.base_dir,
        publish_at=page.published_at or start_of_day(page.dateline_date),
        page=page,
        kept_in_body=kept,
        warnings=warnings,
    )


def _is_ndjson(source, data):
    if source.path is not None and source.path.suffix.lower() in NDJSON_SUFFIXES:
        return True
    return source.path is None and data.lstrip()[:1] == b"{"


def _ndjson_items(source, data):
    try:
        text = decode(data)
    except ParseError as exc:
        yield Item(source.name, error=str(exc))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label = _("%(name)s 第 %(line)d 行") % {"name": source.name, "line": number}
        try:
            record = parse_record(json.loads(line))
        except json.JSONDecodeError as exc:
            yield Item(label, error=_("JSON 无效：%(error)s") % {"error": exc.msg})
            continue
        except RecordError as exc:
            yield Item(label, error=str(exc))
            continue
        yield Item(label, record=record, base_dir=source.base_dir, partial=False)
