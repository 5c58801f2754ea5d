"""RateEvent is ``analytics``'s now (its 0003): forgotten here, the table is kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_rate_limits_for_every_readers_form"),
        ("publishing", "0004_topic_references_to_topics"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="RateEvent")],
        ),
    ]
