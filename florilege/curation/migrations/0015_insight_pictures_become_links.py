"""Insights rendered before Markdown images were turned off still hold ``<img>`` pointing
at other sites: render them again, as a new insight is (the picture a link), so no public
page, feed or API answer makes a reader's browser load a picture from another host. The
topics they belong to are marked changed, so their cached pages are made again."""

from django.db import migrations
from django.utils import timezone

from florilege.lib.html import images_to_links
from florilege.lib.markdown import render_markdown


def pictures_become_links(apps, schema_editor):
    Scoop = apps.get_model("curation", "Scoop")
    Topic = apps.get_model("topics", "Topic")
    topics = set()
    found = Scoop.objects.filter(insight_html__icontains="<img")
    for scoop in found.only("pk", "topic_id", "insight", "insight_html").iterator():
        html = render_markdown(scoop.insight) if scoop.insight else ""
        # An insight without its source (never made here, but cheap to cover) keeps its
        # markup, pictures made links.
        scoop.insight_html = images_to_links(html or scoop.insight_html)
        scoop.save(update_fields=["insight_html"])
        topics.add(scoop.topic_id)
    Topic.objects.filter(pk__in=topics).update(changed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("curation", "0014_scoop_picture"),
        ("topics", "0004_topic_header_picture"),
    ]

    operations = [migrations.RunPython(pictures_become_links, migrations.RunPython.noop)]
