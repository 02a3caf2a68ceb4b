"""Make the renditions photos are missing (after an import, a restore or a storage move).

Renditions are normally made when a photo is uploaded; this command catches up on photos
that have none, re-saves originals that older code kept under the uploader's file name,
and with --all also checks every photo's files are still there. Safe to run repeatedly.
"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from articles.models import Photo
from articles.photos.services import OUR_NAME, make_renditions


def needs_work(photo):
    stem = photo.image.name.rsplit(".", 1)[0]
    return not (photo.renditions or {}).get("jpeg") or not OUR_NAME.match(stem)


class Command(BaseCommand):
    help = _("为缺少尺寸版本的图片生成 WebP/JPEG 尺寸版本；可重复运行。")

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help=_("只处理这些图片 id"))
        parser.add_argument(
            "--all",
            dest="check_all",
            action="store_true",
            help=_("检查每张图片的文件，补上缺失的尺寸版本"),
        )
        parser.add_argument("--force", action="store_true", help=_("重新生成已有的尺寸版本"))
        parser.add_argument("--dry-run", action="store_true", help=_("只列出要处理的图片"))

    def handle(self, *args, ids, check_all, force, dry_run, verbosity, **options):
        photos = Photo.objects.exclude(image="").order_by("pk")
        if ids:
            photos = photos.filter(pk__in=ids)
            missing = set(ids) - set(photos.values_list("pk", flat=True))
            if missing:
                raise CommandError(_("没有这些图片：%s") % sorted(missing))
        photos = [p for p in photos if ids or check_all or force or needs_work(p)]
        if dry_run:
            for photo in photos:
                self.stdout.write(f"{photo.pk}\t{photo.image.name}")
            return
        written = failed = 0
        show = verbosity > 0 and sys.stderr.isatty()
        for photo in tqdm(photos, disable=not show, unit="photo"):
            try:
                with transaction.atomic():
                    written += make_renditions(photo, force=force)
            except (ValidationError, OSError) as exc:
                failed += 1
                self.stderr.write(
                    _("图片 %(id)s（%(name)s）无法处理：%(error)s")
                    % {"id": photo.pk, "name": photo.image.name, "error": exc}
                )
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    _("处理 %(count)s 张图片，写入 %(written)s 个文件，%(failed)s 张失败。")
                    % {"count": len(photos), "written": written, "failed": failed}
                )
            )
