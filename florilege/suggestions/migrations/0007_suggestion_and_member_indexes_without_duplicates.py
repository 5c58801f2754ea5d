"""Indexes that only cost writes, on the tables the enrichment pool writes for every new
entry: the suggestions' (topic, status, -score), a prefix of the queue's (topic, status,
-score, -id); the suggestions' own topic index (the unique (topic, entry) and the queue's
lead with it); PostgreSQL's "…_like" twin of the story members' canonical URL index (for
LIKE, which no query uses). The canonical URL's plain index stays, declared in
``Meta.indexes`` and renamed (nothing rebuilt)."""

import django.db.models.deletion
from django.db import migrations, models

from florilege.lib.migration_ops import drop_field_indexes


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY on PostgreSQL: workers keep writing meanwhile

    dependencies = [
        ("sources", "0008_entry_indexes_without_duplicates"),
        ("suggestions", "0006_topic_references_to_topics"),
        ("topics", "0004_topic_header_picture"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="suggestion", name="suggestion_queue"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="storymember",
                    name="canonical_url",
                    field=models.CharField(blank=True, max_length=2000),
                ),
                migrations.AlterField(
                    model_name="suggestion",
                    name="topic",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="suggestions",
                        to="topics.topic",
                    ),
                ),
                migrations.AddIndex(
                    model_name="storymember",
                    index=models.Index(fields=["canonical_url"], name="member_canonical_url"),
                ),
            ],
            database_operations=[
                drop_field_indexes(
                    "suggestions_storymember", "canonical_url", keep_as="member_canonical_url"
                ),
                drop_field_indexes("suggestions_suggestion", "topic_id"),
            ],
        ),
    ]
