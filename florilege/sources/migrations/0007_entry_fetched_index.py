from django.db import migrations, models

from florilege.lib.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    # Built concurrently on PostgreSQL: the entries table is the largest, and written to
    # by every fetch.
    atomic = False

    dependencies = [
        ("sources", "0006_source_skipped_and_dropped_items"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="entry",
            index=models.Index(fields=["fetched_at"], name="entry_fetched"),
        ),
    ]
