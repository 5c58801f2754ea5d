"""Curation forgets Topic, TopicSource and Membership (now in ``topics``), Invitation and
TwoFactor (now in ``accounts``). State only: their tables stay as they are, used by the
models of those apps. Runs once every foreign key in the state points at the new apps.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_invitation_two_factor_from_curation"),
        ("analytics", "0002_topic_references_to_topics"),
        ("curation", "0006_topic_references_to_topics"),
        ("federation", "0002_topic_references_to_topics"),
        ("publishing", "0004_topic_references_to_topics"),
        ("suggestions", "0006_topic_references_to_topics"),
        ("topics", "0001_topic_source_membership_from_curation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                # The many-to-many first: it goes through TopicSource.
                migrations.RemoveField(model_name="topic", name="sources"),
                migrations.DeleteModel(name="TopicSource"),
                migrations.DeleteModel(name="Membership"),
                migrations.DeleteModel(name="Invitation"),
                migrations.DeleteModel(name="TwoFactor"),
                migrations.DeleteModel(name="Topic"),
            ],
        ),
    ]
