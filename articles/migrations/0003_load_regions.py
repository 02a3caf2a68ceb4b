"""Load China's provincial-level divisions and their prefecture-level divisions."""

from django.db import migrations


def load(apps, schema_editor):
    from articles.regions import load_regions

    load_regions(apps.get_model("articles", "Region"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_role_groups"),
    ]

    # Reversing keeps the rows: articles may point at them, and 0001 drops the table anyway.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
