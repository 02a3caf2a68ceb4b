"""`manage.py import_articles PATH…`: bring wire-style pages and our NDJSON export in.

Reads text and HTML pages saved from a wire site (中新网 style) and NDJSON written by
`export_articles`, from files, folders (recursively) and `-` for stdin. Each article is
written in its own transaction, keyed on its origin (URL or content fingerprint), so a
re-run updates instead of duplicating. A file that cannot be read is reported with its
reason and the import goes on; the command exits non-zero at the end if any failed.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from articles.caching import bump_content_version
from articles.importers import report
from articles.importers.sources import collect, count_items, read_items
from articles.importers.store import ArticleImporter, ImportFailed


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "导入通讯稿页面（文本或 HTML，中新网格式）和 export_articles 导出的 NDJSON。"
            "PATH 可以是文件、文件夹（递归）或 -（标准输入）。按原始网址或内容指纹去重，"
            "重复导入会更新已有文章；页面导入为草稿，除非指定 --publish。"
        )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help=_("文件、文件夹或 -"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("只报告将新建或更新什么，不写入。")
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help=_(
                "页面导入后直接发布（发布时间取页面时间或电头日期）；有垃圾内容警告的仍为草稿。"
            ),
        )
        parser.add_argument(
            "--tag",
            action="append",
            default=[],
            metavar="TAG",
            help=_("给每篇导入的文章加上标签（可重复）；已有同名标签会被复用。"),
        )

    def handle(self, *args, paths, dry_run, publish, tag, verbosity, **options):
        self.verbosity = verbosity
        importer = ArticleImporter(publish=publish, dry_run=dry_run, extra_tags=tag)
        sources = collect(paths)
        totals = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        failed = []
        progress = tqdm(
            total=sum(count_items(source) for source in sources),
            unit=_("篇"),
            disable=verbosity == 0 or not self.stderr.isatty(),
            file=sys.stderr,
        )
        with progress:
            for source in sources:
                for item in read_items(source):
                    action = self._import(importer, item, dry_run)
                    totals[action] += 1
                    if action == "failed":
                        failed.append(item.label)
                    progress.update(1)
        if not dry_run and (totals["created"] or totals["updated"]):
            bump_content_version()
        summary = (
            _("导入完成：新建 %(created)d，更新 %(updated)d，未变 %(unchanged)d，失败 %(failed)d。")
            % totals
        )
        if dry_run:
            summary = _("（演练，未写入）") + summary
        self._say(summary, 1, self.style.SUCCESS if not failed else self.style.WARNING)
        if failed:
            raise CommandError(
                _("%(count)d 项导入失败：%(names)s")
                % {"count": len(failed), "names": "，".join(failed)}
            )

    def _import(self, importer, item, dry_run):
        if item.error:
            self._fail(item.label, item.error)
            return "failed"
        try:
            outcome = importer.run(
                item.record,
                partial=item.partial,
                base_dir=item.base_dir,
                publish_at=item.publish_at,
            )
        except ImportFailed as exc:
            self._fail(item.label, str(exc))
            return "failed"
        except Exception as exc:  # one bad article must not stop the rest of the archive
            self._fail(item.label, f"{type(exc).__name__}: {exc}")
            return "failed"
        self._report(item, outcome, dry_run)
        return outcome.action

    def _report(self, item, outcome, dry_run):
        style = self.style.SUCCESS if outcome.action != "unchanged" else None
        self._say(report.headline(item, outcome, dry_run), 1, style)
        if item.page is not None:
            self._say("  " + report.understood(item, outcome), 1)
            for line in report.photo_lines(item):
                self._say("  " + line, 1)
            if line := report.dropped_line(item.page.dropped):
                self._say("  " + line, 1)
            for line in report.dropped_details(item.page.dropped):
                self._say("  " + line, 2)
            for note in item.page.notes:
                self._say("  " + _("注意：") + note, 1)
        for warning in item.warnings:
            self._say("  " + _("垃圾内容检查：") + str(warning), 1, self.style.WARNING)
        for note in outcome.notes:
            self._say("  " + _("注意：") + note, 1, self.style.WARNING)

    def _fail(self, label, reason):
        with tqdm.external_write_mode():
            self.stderr.write(_("失败 %(label)s：%(reason)s") % {"label": label, "reason": reason})

    def _say(self, message, level, style=None):
        if self.verbosity >= level:
            with tqdm.external_write_mode():
                self.stdout.write(style(message) if style else message)
