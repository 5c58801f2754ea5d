"""Suggestions and rankers name ``topics.Topic`` (moved from ``curation``).

State only: the column and its constraint already point at the same table
(``curation_topic``); only the model the migration state names changes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("suggestions", "0005_suggestion_rules_checked_at"),
        ("topics", "0001_topic_source_membership_from_curation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="suggestion",
                    name="topic",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="suggestions", to="topics.topic"),
                ),
                migrations.AlterField(
                    model_name="topicranker",
                    name="topic",
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="ranker", serialize=False, to="topics.topic"),
                ),
            ],
        ),
    ]
