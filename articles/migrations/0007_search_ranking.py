"""PostgreSQL only: what lets a search rank and check its candidates without detoasting.

- `head_vector`, generated from `vector`: the title, subtitle, summary, people, tags and
  places (weights A and B) that ranking reads. It is about 850 bytes and stays in the row,
  while the whole vector is ~6 kB in TOAST; ranking 1,000 candidates on it costs ~2 ms
  instead of ~60 ms. Being generated, it can never disagree with `vector`.
- `search_unlisted_article`: the few articles that may be published yet not listed
  (drafts, unpublished, retracted, or with an expiry). A search checks its candidates
  against this small index instead of fetching every candidate's article.

Both statements are idempotent, so a database that already has them migrates cleanly.
"""

from django.db import migrations

HEAD_VECTOR = (
    "ALTER TABLE articles_searchdocument ADD COLUMN IF NOT EXISTS head_vector tsvector"
    " GENERATED ALWAYS AS (ts_filter(vector, '{a,b}')) STORED"
)
UNLISTED_INDEX = (
    "CREATE INDEX IF NOT EXISTS search_unlisted_article ON articles_article (id)"
    " WHERE status <> 'published' OR retracted_at IS NOT NULL OR expires_at IS NOT NULL"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(HEAD_VECTOR)
        schema_editor.execute(UNLISTED_INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_unlisted_article")
        schema_editor.execute(
            "ALTER TABLE articles_searchdocument DROP COLUMN IF EXISTS head_vector"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_hot_picks"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
