"""The newsroom's roles as Django groups, and the permissions each one holds.

Reporters write and submit their own drafts; editors review, publish, schedule,
unpublish, retract and recommend. Superusers hold everything. The admin enforces
the same rules on the server (see articles.admin.permissions).
"""

REPORTER = "记者"
EDITOR = "编辑"

REPORTER_PERMISSIONS = [
    "articles.add_article",
    "articles.change_article",
    "articles.view_article",
    "articles.add_byline",
    "articles.change_byline",
    "articles.delete_byline",
    "articles.view_byline",
    "articles.add_articlephoto",
    "articles.change_articlephoto",
    "articles.delete_articlephoto",
    "articles.view_articlephoto",
    "articles.add_photo",
    "articles.change_photo",
    "articles.view_photo",
    "articles.view_author",
    "articles.view_region",
    "articles.add_tag",
    "articles.view_tag",
    "articles.view_historicalarticle",
]

EDITOR_PERMISSIONS = [
    *REPORTER_PERMISSIONS,
    "articles.publish_article",
    "articles.retract_article",
    "articles.recommend_article",
    "articles.edit_any_article",
    "articles.delete_article",
    "articles.add_author",
    "articles.change_author",
    "articles.change_tag",
    "articles.delete_tag",
    "articles.delete_photo",
    "articles.add_correction",
    "articles.change_correction",
    "articles.delete_correction",
    "articles.view_correction",
    "articles.view_report",
    "articles.change_report",
    "articles.view_dailyreads",
]

ROLE_PERMISSIONS = {REPORTER: REPORTER_PERMISSIONS, EDITOR: EDITOR_PERMISSIONS}


def sync_role_groups(group_model, permission_model):
    """Create or update the role groups so each holds exactly its permissions."""
    for group_name, perms in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=group_name)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
