"""`manage.py load_regions`: create or refresh China's regions from articles/data/regions.json.

Migration 0003 runs the same upsert, so this is for a database restored from an older dump,
an updated data file, or a check with --dry-run. Safe to run any number of times.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from articles.models import Region
from articles.regions import DATA_FILE, RegionDataError, load_regions, read_regions


class Command(BaseCommand):
    @property
    def help(self):
        # argparse needs a real str, so translate when the parser is built, not at import.
        return _(
            "从 articles/data/regions.json 载入或更新省级地区及其下辖地市（按网址名幂等更新）。"
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=DATA_FILE,
            help=_("地区数据文件（默认：%(default)s）"),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("只报告将要做的改动，不写入数据库。")
        )

    def handle(self, *args, file, dry_run, verbosity, **options):
        try:
            provinces = read_regions(file)
        except RegionDataError as exc:
            raise CommandError(str(exc)) from exc
        try:
            with transaction.atomic():
                result = load_regions(Region, provinces)
                if dry_run:
                    transaction.set_rollback(True)
        except IntegrityError as exc:
            # Typically a hand-made region already holds a name the file gives another slug.
            raise CommandError(_("地区数据与现有记录冲突：%(error)s") % {"error": exc}) from exc

        if verbosity >= 2:
            for label, slugs in ((_("新增"), result.created), (_("更新"), result.updated)):
                for slug in slugs:
                    self.stdout.write(f"  {label} {slug}")
        if verbosity >= 1:
            message = _("地区：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d。") % (
                result.counts
            )
            if dry_run:
                message = _("（演练，未写入）") + message
            self.stdout.write(self.style.SUCCESS(message))
