"""Followers, digest schedules and digest runs name ``topics.Topic`` (moved from ``curation``).

State only: the column and its constraint already point at the same table
(``curation_topic``); only the model the migration state names changes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0003_hub_pings_and_full_text_search"),
        ("topics", "0001_topic_source_membership_from_curation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="subscriber",
                    name="topic",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="topics.topic"),
                ),
                migrations.AlterField(
                    model_name="digestschedule",
                    name="topic",
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="digest_schedule", to="topics.topic"),
                ),
                migrations.AlterField(
                    model_name="digestrun",
                    name="topic",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="topics.topic"),
                ),
            ],
        ),
    ]
