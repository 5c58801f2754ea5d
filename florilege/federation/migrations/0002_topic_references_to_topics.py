"""A topic's actor names ``topics.Topic`` (moved from ``curation``).

State only: the column and its constraint already point at the same table
(``curation_topic``); only the model the migration state names changes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0001_actors_inbox_outbox_deliveries"),
        ("topics", "0001_topic_source_membership_from_curation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="localactor",
                    name="topic",
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="actor", to="topics.topic"),
                ),
            ],
        ),
    ]
