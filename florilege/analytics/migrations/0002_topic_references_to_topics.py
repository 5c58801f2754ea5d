"""Daily views and visitors name ``topics.Topic`` (moved from ``curation``).

State only: the column and its constraint already point at the same table
(``curation_topic``); only the model the migration state names changes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_cookieless_daily_views"),
        ("topics", "0001_topic_source_membership_from_curation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="topicvisitor",
                    name="topic",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="topics.topic"),
                ),
                migrations.AlterField(
                    model_name="topicdailyviews",
                    name="topic",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="daily_views", to="topics.topic"),
                ),
            ],
        ),
    ]
