"""`manage.py load_demo`: a realistic demo newsroom for trying the site (README's run).

Regions (migration 0003 loads them; loaded here too if missing), a dozen authors with
roles, about 200 stories over the last months with tags, bylines and generated photos,
recommendations, a scheduled story, a retracted one with its notice, corrections, open
reports and long-tailed read and like counts with daily reads for the last week. Safe to
re-run: only what is missing is created. --reset removes the demo and builds it again.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from articles.caching import bump_content_version
from articles.demo import newsroom


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "载入演示数据：地区、十几位作者、约 200 篇带标签和图片的稿件、推荐、定时稿、"
            "撤稿、更正和阅读量。可重复运行；--reset 删除演示数据后重建。"
        )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help=_("先删除演示数据再重建"))
        parser.add_argument("--articles", type=int, default=200, help=_("演示稿件篇数（默认 200）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只说明将做什么，不写入"))

    def handle(self, *args, reset, articles, dry_run, verbosity, **options):
        if articles < 1:
            raise CommandError(_("--articles 至少为 1。"))
        if dry_run:
            existing = newsroom.existing_count()
            self.stdout.write(
                _("（演练）演示稿件已有 %(existing)d 篇，将%(action)s到 %(count)d 篇。")
                % {
                    "existing": existing,
                    "action": _("删除后重建") if reset else _("补齐"),
                    "count": articles,
                }
            )
            return
        progress = tqdm(
            total=articles,
            unit=_("篇"),
            disable=verbosity == 0 or not self.stderr.isatty(),
            file=sys.stderr,
        )
        try:
            with progress, transaction.atomic():
                deleted = newsroom.reset() if reset else 0
                result = newsroom.build(count=articles, progress=progress)
        except ValueError as exc:
            raise CommandError(_("无法载入演示数据：%(error)s") % {"error": exc}) from exc
        bump_content_version()
        if verbosity >= 1:
            if reset:
                self.stdout.write(_("已删除演示稿件 %(count)d 篇。") % {"count": deleted})
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "演示数据：新建稿件 %(articles_created)d 篇"
                        "（已有 %(articles_existing)d 篇），作者 %(authors_created)d 位，"
                        "图片 %(photos_created)d 张，补充阅读 %(reads_added)d 次。"
                    )
                    % vars(result)
                )
            )
