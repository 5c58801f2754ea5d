import hashlib

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def queue_banners(apps, schema_editor):
    """Topics with a banner get their picture row; the worker makes our copy of it."""
    Topic = apps.get_model("topics", "Topic")
    Picture = apps.get_model("media", "Picture")
    now = timezone.now()
    for topic in Topic.objects.exclude(header_image_url="").only("pk", "header_image_url"):
        url = topic.header_image_url
        if not url.startswith(("http://", "https://")):
            continue
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        picture, _ = Picture.objects.get_or_create(
            source_key=key, defaults={"source_url": url, "due_at": now, "created_at": now}
        )
        Topic.objects.filter(pk=topic.pk).update(header_picture=picture)


class Migration(migrations.Migration):

    dependencies = [
        ("media", "0001_pictures"),
        ("topics", "0003_topic_layout"),
    ]

    operations = [
        migrations.AddField(
            model_name="topic",
            name="header_picture",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="topics",
                to="media.picture",
            ),
        ),
        migrations.RunPython(queue_banners, migrations.RunPython.noop),
    ]
