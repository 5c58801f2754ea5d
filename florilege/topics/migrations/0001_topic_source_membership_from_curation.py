"""Topic, TopicSource and Membership move here from ``curation``, keeping their tables.

Nothing is written to the database's schema: the models are only declared in this app's
migration state (``curation`` forgets them in its 0007, once every foreign key points
here). The content types are relabelled so admin permissions and log entries follow.
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import florilege.topics.models

MOVED = ("topic", "topicsource", "membership")


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
        ("sources", "0001_sources_and_entries"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Topic",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(max_length=200)),
                        ("slug", models.SlugField(max_length=80, unique=True)),
                        ("description", models.TextField(blank=True)),
                        ("languages", models.JSONField(blank=True, default=list)),
                        ("keywords", models.JSONField(blank=True, default=list)),
                        ("is_public", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("time_zone", models.CharField(default="UTC", max_length=60)),
                        ("slot_weekdays", models.JSONField(blank=True, default=florilege.topics.models._working_days)),
                        ("slot_times", models.JSONField(blank=True, default=list)),
                        ("accent_color", models.CharField(blank=True, help_text="Accent colour of the public page, as #rrggbb; empty for the default.", max_length=7, validators=[django.core.validators.RegexValidator("^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb.")])),
                        ("header_image_url", models.URLField(blank=True, help_text="Banner image shown at the top of the public page.", max_length=2000)),
                        ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("owner", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="owned_topics", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "curation_topic",
                        "ordering": ["title"],
                    },
                ),
                migrations.CreateModel(
                    name="TopicSource",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("added_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("folder", models.JSONField(blank=True, default=list)),
                        ("added_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("source", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="sources.source")),
                        ("topic", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="topics.topic")),
                    ],
                    options={
                        "db_table": "curation_topicsource",
                        "constraints": [models.UniqueConstraint(fields=("topic", "source"), name="topicsource_unique")],
                    },
                ),
                migrations.AddField(
                    model_name="topic",
                    name="sources",
                    field=models.ManyToManyField(blank=True, related_name="topics", through="topics.TopicSource", to="sources.source"),
                ),
                migrations.CreateModel(
                    name="Membership",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("role", models.CharField(choices=[("owner", "Owner"), ("editor", "Editor"), ("contributor", "Contributor"), ("viewer", "Viewer")], max_length=12)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("topic", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to="topics.topic")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "curation_membership",
                        "constraints": [models.UniqueConstraint(fields=("topic", "user"), name="membership_unique_user")],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel("curation", "topics"), relabel("topics", "curation")),
    ]
