"""TaggedArticle.publish_at: a copy of the article's publish time, and a (tag, publish time)
index, so a tag page walks its own tag's rows newest first.

The copy is filled in one UPDATE … FROM on PostgreSQL (a correlated subquery per row
elsewhere), before the index is built.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

BACKFILL = """
UPDATE articles_taggedarticle AS t SET publish_at = a.publish_at
FROM articles_article AS a
WHERE a.id = t.content_object_id AND a.publish_at IS NOT NULL
"""


def copy_publish_times(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKFILL)
        return
    Article = apps.get_model("articles", "Article")
    TaggedArticle = apps.get_model("articles", "TaggedArticle")
    times = Article.objects.filter(pk=OuterRef("content_object_id")).values("publish_at")
    TaggedArticle.objects.update(publish_at=Subquery(times[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_search_ranking"),
    ]

    operations = [
        migrations.AddField(
            model_name="taggedarticle",
            name="publish_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(copy_publish_times, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="taggedarticle",
            index=models.Index(
                fields=["tag", "-publish_at", "-content_object"], name="tagged_tag_time_idx"
            ),
        ),
    ]
