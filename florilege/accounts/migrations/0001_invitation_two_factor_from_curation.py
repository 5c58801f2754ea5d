"""Invitation and TwoFactor move here from ``curation``, keeping their tables.

Nothing is written to the database's schema: the models are only declared in this app's
migration state (``curation`` forgets them in its 0007). The content types are relabelled
so admin permissions and log entries follow.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ("invitation", "twofactor")


def relabel(old: str, new: str):
    def run(apps, schema_editor) -> None:
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(
            schema_editor.connection.alias
        )
        for model in MOVED:
            # A database where the new label already exists keeps both; the old one is
            # then stale (``remove_stale_contenttypes`` drops it).
            if not content_types.filter(app_label=new, model=model).exists():
                content_types.filter(app_label=old, model=model).update(app_label=new)

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("curation", "0005_topic_source_opml_folder"),
        ("topics", "0001_topic_source_membership_from_curation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Invitation",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("role", models.CharField(choices=[("owner", "Owner"), ("editor", "Editor"), ("contributor", "Contributor"), ("viewer", "Viewer")], max_length=12)),
                        ("email", models.EmailField(blank=True, max_length=254)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("accepted_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("accepted_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("invited_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("topic", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="invitations", to="topics.topic")),
                    ],
                    options={
                        "db_table": "curation_invitation",
                    },
                ),
                migrations.CreateModel(
                    name="TwoFactor",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("secret", models.CharField(max_length=64)),
                        ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                        ("last_counter", models.BigIntegerField(blank=True, null=True)),
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="two_factor", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "curation_twofactor",
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel("curation", "accounts"), relabel("accounts", "curation")),
    ]
