"""`manage.py create_editor USERNAME`: a staff account in the 编辑 (or 记者) group.

The password is prompted for (twice, checked against the password validators) or, with
--generate-password or when there is no terminal, generated and printed once. Running it
again for an existing user makes sure the account is staff and in the right group, and
changes the password only with --reset-password. --author links the account to an Author,
which is what limits a reporter to their own stories.
"""

import getpass
import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from articles import roles
from articles.importers.people import get_or_create_author
from articles.models import Author

ROLE_ALIASES = {"editor": roles.EDITOR, "reporter": roles.REPORTER}
PROMPT_TRIES = 3


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "创建或更新一个后台账号并放入编辑组（或用 --role 记者 放入记者组）。"
            "密码交互输入，或用 --generate-password（无终端时自动）生成并显示一次。"
        )

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("登录名"))
        parser.add_argument(
            "--role",
            default=roles.EDITOR,
            choices=[roles.EDITOR, roles.REPORTER, *ROLE_ALIASES],
            help=_("角色（默认：编辑）"),
        )
        parser.add_argument("--email", default="", help=_("电子邮箱"))
        parser.add_argument("--author", metavar="NAME", help=_("关联的作者姓名（没有则新建）"))
        parser.add_argument(
            "--generate-password", action="store_true", help=_("生成随机密码并显示")
        )
        parser.add_argument(
            "--reset-password", action="store_true", help=_("账号已存在时也重设密码")
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help=_("不提问；需要密码时自动生成"),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("只显示将做什么，不写入"))

    def handle(self, *args, username, role, email, author, verbosity, **options):
        role = ROLE_ALIASES.get(role, role)
        User = get_user_model()
        try:
            User.username_validator(username)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        group = Group.objects.filter(name=role).first()
        if group is None:
            raise CommandError(_("角色组“%(role)s”不存在，请先运行 migrate。") % {"role": role})
        user = User.objects.filter(username=username).first()
        needs_password = user is None or options["reset_password"]
        if options["dry_run"]:
            verb = _("创建") if user is None else _("更新")
            self.stdout.write(
                _("（演练）将%(verb)s账号 %(username)s，角色：%(role)s。")
                % {"verb": verb, "username": username, "role": role}
            )
            return
        password, generated = None, False
        if needs_password:
            password, generated = self._password(username, email, options)
        with transaction.atomic():
            created = user is None
            if created:
                user = User(username=username, email=email)
            elif email:
                user.email = email
            user.is_staff = True
            if password:
                user.set_password(password)
            user.save()
            # Exactly one role group: moving a reporter to editor takes the old group away.
            user.groups.remove(*Group.objects.filter(name__in=roles.ROLE_PERMISSIONS))
            user.groups.add(group)
            if author:
                self._link_author(user, author, role)
        if verbosity >= 1:
            message = (
                _("已创建账号 %(username)s（%(role)s组）。")
                if created
                else _("账号 %(username)s 已存在，已确认为后台账号并在%(role)s组。")
            )
            self.stdout.write(self.style.SUCCESS(message % {"username": username, "role": role}))
        if not needs_password and options["generate_password"]:
            self.stdout.write(_("密码未改动；要生成新密码请加 --reset-password。"))
        if generated:
            # Printed even at verbosity 0: it is shown once and is needed to log in.
            self.stdout.write(_("初始密码：%(password)s（请登录后修改）") % {"password": password})

    def _password(self, username, email, options):
        """(password, generated): prompted twice and validated, or generated."""
        if options["generate_password"] or not options["interactive"] or not sys.stdin.isatty():
            return secrets.token_urlsafe(15), True
        probe = get_user_model()(username=username, email=email)
        for _try in range(PROMPT_TRIES):
            password = getpass.getpass(_("密码："))
            if password != getpass.getpass(_("再次输入密码：")):
                self.stderr.write(_("两次输入的密码不一致。"))
                continue
            try:
                validate_password(password, probe)
            except ValidationError as exc:
                self.stderr.write("\n".join(exc.messages))
                continue
            return password, False
        raise CommandError(_("没有设置有效的密码，账号未创建。"))

    @staticmethod
    def _link_author(user, name, role):
        role_key = "editor" if role == roles.EDITOR else "reporter"
        author = get_or_create_author(name, role_key)[0]
        if author.user_id and author.user_id != user.pk:
            raise CommandError(_("作者“%(name)s”已关联另一个账号。") % {"name": name})
        if Author.objects.filter(user=user).exclude(pk=author.pk).exists():
            raise CommandError(_("该账号已关联另一位作者。"))
        if author.user_id != user.pk:
            author.user = user
            author.save(update_fields=["user"])
