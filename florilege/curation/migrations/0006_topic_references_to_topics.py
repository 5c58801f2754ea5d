"""Scoops, rules, reader suggestions, notifications and audit events name ``topics.Topic``.

State only: the column and its constraint already point at the same table
(``curation_topic``); only the model the migration state names changes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("curation", "0005_topic_source_opml_folder"),
        ("topics", "0001_topic_source_membership_from_curation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="scoop",
                    name="topic",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="scoops", to="topics.topic"),
                ),
                migrations.AlterField(
                    model_name="automationrule",
                    name="topic",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="automation_rules", to="topics.topic"),
                ),
                migrations.AlterField(
                    model_name="readersuggestion",
                    name="topic",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reader_suggestions", to="topics.topic"),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="topic",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="topics.topic"),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="topic",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="audit", to="topics.topic"),
                ),
            ],
        ),
    ]
