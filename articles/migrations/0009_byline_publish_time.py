"""Byline.publish_at: a copy of the article's publish time, and an (author, publish time)
index, so an author page walks its own bylines newest first.

The copy is filled in one UPDATE … FROM on PostgreSQL (a correlated subquery per row
elsewhere), before the index is built.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

BACKFILL = """
UPDATE articles_byline AS b SET publish_at = a.publish_at
FROM articles_article AS a
WHERE a.id = b.article_id AND a.publish_at IS NOT NULL
"""


def copy_publish_times(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKFILL)
        return
    Article = apps.get_model("articles", "Article")
    Byline = apps.get_model("articles", "Byline")
    times = Article.objects.filter(pk=OuterRef("article_id")).values("publish_at")
    Byline.objects.update(publish_at=Subquery(times[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_tag_publish_time"),
    ]

    operations = [
        migrations.AddField(
            model_name="byline",
            name="publish_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(copy_publish_times, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="byline",
            index=models.Index(
                fields=["author", "-publish_at", "-article"], name="byline_author_time_idx"
            ),
        ),
    ]
