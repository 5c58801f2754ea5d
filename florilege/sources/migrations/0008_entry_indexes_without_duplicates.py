"""Two indexes of the entries table that only cost writes: the source's own (the unique
(source, key) and the (source, canonical_url) indexes both lead with it) and PostgreSQL's
"…_like" twin of the canonical URL's (for LIKE, which no query uses). The canonical URL's
plain index stays, declared in ``Meta.indexes`` and renamed (nothing rebuilt)."""

import django.db.models.deletion
from django.db import migrations, models

from florilege.lib.migration_ops import drop_field_indexes


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY on PostgreSQL: fetches keep writing meanwhile

    dependencies = [
        ("sources", "0007_entry_fetched_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="entry",
                    name="canonical_url",
                    field=models.CharField(blank=True, max_length=2000),
                ),
                migrations.AlterField(
                    model_name="entry",
                    name="source",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="entries",
                        to="sources.source",
                    ),
                ),
                migrations.AddIndex(
                    model_name="entry",
                    index=models.Index(fields=["canonical_url"], name="entry_canonical_url"),
                ),
            ],
            database_operations=[
                drop_field_indexes("sources_entry", "canonical_url", keep_as="entry_canonical_url"),
                drop_field_indexes("sources_entry", "source_id"),
            ],
        ),
    ]
