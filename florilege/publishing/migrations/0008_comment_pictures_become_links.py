"""Replies from the fediverse were kept with their ``<img>``: a permalink showing one made
readers' browsers load a picture from the replier's server. Their pictures become links,
as a new reply's do."""

from django.db import migrations

from florilege.lib.html import images_to_links


def pictures_become_links(apps, schema_editor):
    Comment = apps.get_model("publishing", "Comment")
    found = Comment.objects.filter(body_html__icontains="<img")
    for comment in found.only("pk", "body_html").iterator():
        comment.body_html = images_to_links(comment.body_html)
        comment.save(update_fields=["body_html"])


class Migration(migrations.Migration):
    dependencies = [("publishing", "0007_comment_reply_to")]

    operations = [migrations.RunPython(pictures_become_links, migrations.RunPython.noop)]
