"""RateEvent moves here from ``publishing``, keeping its table and rows: the one throttle of
every readers' form (``analytics.throttle``) now serves curation's suggestion form too,
which may not import publishing.

Nothing is written to the database's schema: the model is only declared in this app's
migration state (``publishing`` forgets it in its 0005). The content type is relabelled so
admin permissions follow.
"""

import django.utils.timezone
from django.db import migrations, models


def relabel(old: str, new: str):
    def run(apps, schema_editor) -> None:
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(
            schema_editor.connection.alias
        )
        if not content_types.filter(app_label=new, model="rateevent").exists():
            content_types.filter(app_label=old, model="rateevent").update(app_label=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_topic_references_to_topics"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("publishing", "0004_topic_references_to_topics"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="RateEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("action", models.CharField(max_length=20)),
                        ("visitor", models.CharField(max_length=64)),
                        ("at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "db_table": "publishing_rateevent",
                        "indexes": [models.Index(fields=["action", "visitor", "at"], name="rateevent_lookup")],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel("publishing", "analytics"), relabel("analytics", "publishing")),
    ]
