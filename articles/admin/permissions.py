"""Server-side enforcement of the newsroom roles in the article admin.

Hidden buttons are not a control: the queryset, the object permissions, the read-only
fields and save_model each apply the rules in `articles.services.permissions`, so a
reporter's hand-made POST cannot publish, schedule, recommend, retract or touch another
reporter's article.
"""

from django.db.models import F

from articles.models import Article
from articles.services import permissions

ALWAYS_READONLY = [
    "created_by",
    "created_at",
    "updated_at",
    "view_count",
    "like_count",
    "retracted_at",
    "retraction_reason",
    "retracted_by",
]


class EditConflict(Exception):
    """The row's version moved on between the form's check and its save."""


class ArticlePermissions:
    def get_queryset(self, request):
        return permissions.visible_articles(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or permissions.can_view(request.user, obj)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or permissions.can_edit(request.user, obj)

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)

    def has_retract_permission(self, request):
        return permissions.can_retract(request.user)

    def has_recommend_permission(self, request):
        return permissions.can_recommend(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), *ALWAYS_READONLY]
        user = request.user
        if not permissions.can_publish(user):
            fields += ["publish_at", "expires_at"]
            if obj is not None and obj.status not in permissions.REPORTER_EDITABLE_STATUSES:
                fields.append("status")
        if not permissions.can_recommend(user):
            fields.append("recommended_until")
        return list(dict.fromkeys(fields))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        self._keep_protected_fields(request.user, obj, change)
        if change:
            self._advance_version(obj, form)
        super().save_model(request, obj, form, change)

    def _keep_protected_fields(self, user, obj, change):
        """Whatever reached the instance, fields the user may not set keep their stored values.

        The form already leaves them out; this also covers restored revisions and forged
        POSTs.
        """
        protected = []
        if not permissions.can_publish(user):
            protected += ["publish_at", "expires_at"]
        if not permissions.can_recommend(user):
            protected += ["recommended_until"]
        if not permissions.can_retract(user):
            protected += ["retracted_at", "retraction_reason", "retracted_by"]
        if not protected:
            return
        stored = Article.objects.get(pk=obj.pk) if change else Article()
        for name in protected:
            field = Article._meta.get_field(name)
            setattr(obj, field.attname, getattr(stored, field.attname))
        if not permissions.can_publish(user):
            # Reporters move between draft and review only, and only from there.
            editable = permissions.REPORTER_EDITABLE_STATUSES
            if obj.status not in editable or stored.status not in editable:
                obj.status = stored.status

    def _advance_version(self, obj, form):
        """UPDATE … WHERE version = the form's: exactly one of two racing saves wins."""
        base = form.cleaned_data.get("base_version")
        won = Article.objects.filter(pk=obj.pk, version=base).update(version=F("version") + 1)
        if not won:
            raise EditConflict
        obj.version = base + 1
