"""Authors for bylines, editor lines and photo credits: matched first, created only if new.

A name is matched to an existing Author (preferring one who already holds the role, then
the oldest); a new one gets an ASCII slug from pypinyin, surname first: 邵燕飞 → shao-yanfei.
"""

import re

from django.utils.text import slugify
from pypinyin import lazy_pinyin

from articles.models import Author

ROLE_FLAGS = {
    "reporter": "is_reporter",
    "correspondent": "is_reporter",
    "photographer": "is_photographer",
    "editor": "is_editor",
}
CJK = re.compile(r"^[\u4e00-\u9fff]+$")
SLUG_MAX = Author._meta.get_field("slug").max_length


def author_slug(name):
    """An ASCII slug for a name: 邵燕飞 → shao-yanfei, 阿依古丽·买买提 → ayiguli-maimaiti."""
    if "·" in name:
        parts = ["".join(lazy_pinyin(part)) for part in name.split("·")]
    elif CJK.match(name):
        syllables = lazy_pinyin(name)
        parts = [syllables[0], "".join(syllables[1:])]
    else:
        parts = lazy_pinyin(name)
    return slugify("-".join(parts))[: SLUG_MAX - 4].strip("-") or "author"


def unique_slug(base):
    slug, number = base, 2
    while Author.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def find_author(name, role=None, slug=None):
    """The existing Author for this person, or None: by slug when given, else by name."""
    if slug and (author := Author.objects.filter(slug=slug).first()):
        return author
    same_name = Author.objects.filter(name=name).order_by("id")
    flag = ROLE_FLAGS.get(role)
    if flag and (author := same_name.filter(**{flag: True}).first()):
        return author
    return same_name.first()


def get_or_create_author(name, role=None, slug=None):
    """(author, created); a matched author gains the role's flag if it lacked it."""
    flag = ROLE_FLAGS.get(role)
    author = find_author(name, role, slug)
    if author is None:
        author = Author(name=name, slug=unique_slug(slug or author_slug(name)))
        if flag:
            setattr(author, flag, True)
        author.save()
        return author, True
    if flag and not getattr(author, flag):
        setattr(author, flag, True)
        author.save(update_fields=[flag])
    return author, False
