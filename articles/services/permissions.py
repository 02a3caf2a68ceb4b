"""Who may do what to an article: the rules behind the admin and the publishing services.

Reporters (记者) write their own drafts and submit them for review; once an article is
published it is the editors' (编辑). Editors and superusers may edit and publish anything.
"""

from django.db.models import Exists, OuterRef, Q

from articles.models import Article, Byline

# Statuses in which the article's own reporter may still change it.
REPORTER_EDITABLE_STATUSES = (Article.Status.DRAFT, Article.Status.REVIEW)

# Fields only users with the matching permission may set.
PUBLISHING_FIELDS = ("status", "publish_at", "expires_at")
RECOMMEND_FIELDS = ("recommended_until",)
RETRACTION_FIELDS = ("retracted_at", "retraction_reason", "retracted_by")


def _active_staff(user):
    return bool(user and user.is_active and user.is_staff)


def can_publish(user):
    return _active_staff(user) and user.has_perm("articles.publish_article")


def can_retract(user):
    return _active_staff(user) and user.has_perm("articles.retract_article")


def can_recommend(user):
    return _active_staff(user) and user.has_perm("articles.recommend_article")


def can_edit_any(user):
    return _active_staff(user) and user.has_perm("articles.edit_any_article")


def owned_by(user):
    """A Q() for the articles a user created or carries a byline on."""
    bylined = Byline.objects.filter(article=OuterRef("pk"), author__user=user)
    return Q(created_by=user) | Q(Exists(bylined))


def visible_articles(user, queryset=None):
    """The articles a staff user may see in the admin: all for editors, own for reporters."""
    queryset = Article.objects.all() if queryset is None else queryset
    if can_edit_any(user):
        return queryset
    if not _active_staff(user):
        return queryset.none()
    return queryset.filter(owned_by(user))


def owns(user, article):
    if article.pk is None:
        return True
    if article.created_by_id is not None and article.created_by_id == user.pk:
        return True
    return Byline.objects.filter(article_id=article.pk, author__user=user).exists()


def can_view(user, article):
    if not (_active_staff(user) and user.has_perm("articles.view_article")):
        return False
    return can_edit_any(user) or owns(user, article)


def can_edit(user, article):
    """Change the article's content: editors always, reporters their own unpublished work."""
    if not (_active_staff(user) and user.has_perm("articles.change_article")):
        return False
    if can_edit_any(user):
        return True
    return article.status in REPORTER_EDITABLE_STATUSES and owns(user, article)
