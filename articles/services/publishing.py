"""The publishing workflow: small service functions the admin and moderation call.

Each one checks the acting user's permission, writes inside `transaction.atomic()` with
the row locked, bumps `Article.version` (so an editor's open change form notices), records
a revision with the acting user, and makes every cached page stale once the write commits.
`article` may be a stale instance; the functions re-read the row and return the fresh one.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles import spam_guard
from articles.caching import bump_content_version
from articles.models import Article
from articles.services import permissions

Status = Article.Status
# What the spam guard reads before an article goes out.
CHECKED_FIELDS = ("title", "summary", "body")


class PublishingError(Exception):
    """A workflow step that cannot apply to this article; the message is for the editor."""


def publication_warnings(article_or_fields):
    """What the spam guard finds in an article (or a dict of its fields) before it goes out."""
    if isinstance(article_or_fields, dict):
        fields = article_or_fields
    else:
        fields = {name: getattr(article_or_fields, name) for name in CHECKED_FIELDS}
    return list(
        spam_guard.check_article(
            fields.get("body") or "",
            title=fields.get("title") or "",
            summary=fields.get("summary") or "",
        )
    )


def _require(allowed, message):
    if not allowed:
        raise PermissionDenied(message)


def _locked(article):
    return Article.objects.select_for_update().get(pk=article.pk)


def _save(article, user, fields):
    article.version += 1
    article._history_user = user
    article.save(update_fields=[*fields, "version", "updated_at"])
    # After commit, so no reader re-caches the old page between the bump and the commit.
    transaction.on_commit(bump_content_version, robust=True)
    return article


def _check_warnings(article, confirm_warnings):
    if confirm_warnings:
        return
    warnings = publication_warnings(article)
    if warnings:
        raise PublishingError(
            _("《%(title)s》有未处理的发布检查警告：%(warnings)s")
            % {"title": article.title, "warnings": "；".join(str(w) for w in warnings)}
        )


def publish_now(article, user, *, confirm_warnings=False):
    """Make the article visible now; a scheduled article is brought forward to now."""
    _require(permissions.can_publish(user), _("没有发布文章的权限。"))
    now = timezone.now()
    with transaction.atomic():
        article = _locked(article)
        if article.is_published(now):
            return article
        if article.expires_at is not None and article.expires_at <= now:
            raise PublishingError(_("《%(title)s》的下线时间已过。") % {"title": article.title})
        _check_warnings(article, confirm_warnings)
        article.status = Status.PUBLISHED
        # Keep an earlier publish time (a re-published or back-dated story keeps its place).
        if article.publish_at is None or article.publish_at > now:
            article.publish_at = now
        return _save(article, user, ["status", "publish_at"])


def schedule(article, user, at, *, confirm_warnings=False):
    """Publish at a future time; nothing has to run for the article to appear then."""
    _require(permissions.can_publish(user), _("没有定时发布文章的权限。"))
    if not isinstance(at, datetime) or at <= timezone.now():
        raise PublishingError(_("定时发布的时间必须在将来。"))
    with transaction.atomic():
        article = _locked(article)
        if article.expires_at is not None and article.expires_at <= at:
            raise PublishingError(
                _("《%(title)s》的下线时间早于定时发布时间。") % {"title": article.title}
            )
        _check_warnings(article, confirm_warnings)
        article.status = Status.PUBLISHED
        article.publish_at = at
        return _save(article, user, ["status", "publish_at"])


def unpublish(article, user):
    """Take a published (or scheduled) article off the site; its URL then answers 404."""
    _require(permissions.can_publish(user), _("没有撤下文章的权限。"))
    with transaction.atomic():
        article = _locked(article)
        if article.status == Status.UNPUBLISHED:
            return article
        if article.status != Status.PUBLISHED:
            raise PublishingError(_("《%(title)s》尚未发布。") % {"title": article.title})
        article.status = Status.UNPUBLISHED
        return _save(article, user, ["status"])


def retract(article, user, reason):
    """Retract a published article: it keeps its URL and shows the reason, and leaves lists."""
    _require(permissions.can_retract(user), _("没有撤稿的权限。"))
    reason = (reason or "").strip()
    if not reason:
        raise PublishingError(_("撤稿必须写明原因。"))
    with transaction.atomic():
        article = _locked(article)
        if article.is_retracted:
            return article
        if article.status != Status.PUBLISHED:
            raise PublishingError(
                _("《%(title)s》尚未发布，无需撤稿，可直接撤下或删除。") % {"title": article.title}
            )
        article.retracted_at = timezone.now()
        article.retraction_reason = reason
        article.retracted_by = user
        return _save(article, user, ["retracted_at", "retraction_reason", "retracted_by"])


def recommend(article, user, until):
    """Show the article in 热点推荐 until the given time; `None` ends the recommendation."""
    _require(permissions.can_recommend(user), _("没有设置热点推荐的权限。"))
    if until is not None and (not isinstance(until, datetime) or until <= timezone.now()):
        raise PublishingError(_("推荐截止时间必须在将来。"))
    with transaction.atomic():
        article = _locked(article)
        if article.is_retracted and until is not None:
            raise PublishingError(_("《%(title)s》已撤稿，不能推荐。") % {"title": article.title})
        article.recommended_until = until
        return _save(article, user, ["recommended_until"])


def submit_for_review(article, user):
    """A reporter hands a draft to the editors."""
    with transaction.atomic():
        article = _locked(article)
        _require(permissions.can_edit(user, article), _("没有修改这篇文章的权限。"))
        if article.status == Status.REVIEW:
            return article
        if article.status != Status.DRAFT:
            raise PublishingError(_("《%(title)s》不是草稿，不能送审。") % {"title": article.title})
        article.status = Status.REVIEW
        return _save(article, user, ["status"])
