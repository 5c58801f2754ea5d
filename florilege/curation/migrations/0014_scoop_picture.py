import hashlib

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def queue_pictures(apps, schema_editor):
    """Published scoops with a picture get their picture row: the worker makes the
    thumbnails, and pages show them once made (until then, no picture, not the hot link)."""
    Scoop = apps.get_model("curation", "Scoop")
    Picture = apps.get_model("media", "Picture")
    now = timezone.now()
    scoops = Scoop.objects.filter(status="published").exclude(image_url="")
    for scoop in scoops.only("pk", "image_url").iterator():
        url = scoop.image_url
        if not url.startswith(("http://", "https://")):
            continue
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        picture, _ = Picture.objects.get_or_create(
            source_key=key, defaults={"source_url": url, "due_at": now, "created_at": now}
        )
        Scoop.objects.filter(pk=scoop.pk).update(picture=picture)


class Migration(migrations.Migration):

    dependencies = [
        ("curation", "0013_engagement_desk"),
        ("media", "0001_pictures"),
    ]

    operations = [
        migrations.AddField(
            model_name="scoop",
            name="picture",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="scoops",
                to="media.picture",
            ),
        ),
        migrations.RunPython(queue_pictures, migrations.RunPython.noop),
    ]
