"""A topic, the sources it follows and the people who work on it, in which role.

The base of the layers: sources, suggestions, curation and the apps that face readers all
point here. The tables keep the names they had when these models lived in ``curation``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _working_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class Layout(models.TextChoices):
    """How the public topic page lays out its scoops (a reader may pick the other one)."""

    LIST = "list", _("List")
    GRID = "grid", _("Grid")


class Topic(models.Model):
    """A curated subject: its sources feed a suggestion queue, its scoops make its page."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    # ISO 639-1 codes; empty means every language.
    languages = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_topics"
    )
    sources = models.ManyToManyField(
        "sources.Source", through="TopicSource", related_name="topics", blank=True
    )
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The publishing schedule (curation/scheduling.py): the time zone, then the weekdays
    # (Monday = 0) and "HH:MM" times at which queued scoops go out.
    time_zone = models.CharField(max_length=60, default="UTC")
    slot_weekdays = models.JSONField(default=_working_days, blank=True)
    slot_times = models.JSONField(default=list, blank=True)
    # The public page's look: a #rrggbb accent (links, insight rule) and a banner image.
    accent_color = models.CharField(
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb.")],
        help_text="Accent colour of the public page, as #rrggbb; empty for the default.",
    )
    header_image_url = models.URLField(
        max_length=2000, blank=True, help_text="Banner image shown at the top of the public page."
    )
    # The public page's layout; readers may switch with ?layout= (publishing/views.py).
    layout = models.CharField(max_length=8, choices=Layout.choices, default=Layout.LIST)
    # The banner as we serve it (made from header_image_url by the ``pictures`` stage).
    header_picture = models.ForeignKey(
        "media.Picture", null=True, blank=True, on_delete=models.SET_NULL, related_name="topics"
    )
    # Editors may scoop from the queue card in one click, without writing an insight.
    allow_scoop_without_insight = models.BooleanField(
        default=False,
        help_text="Editors may publish a suggestion in one click, without an insight.",
    )
    # Bumped whenever the topic or one of its scoops changes: cached public pages are keyed
    # on it, so every process sees the change on its next request.
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "curation_topic"
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("publishing:topic", args=[self.slug])


class TopicSource(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)
    source = models.ForeignKey("sources.Source", on_delete=models.CASCADE)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The folder path the feed sat in when imported from OPML (outermost first): shown on
    # the sources page and written back on export, so a round trip keeps the curator's
    # filing. Per topic, since another topic may file the same feed elsewhere.
    folder = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "curation_topicsource"
        constraints = [
            models.UniqueConstraint(fields=["topic", "source"], name="topicsource_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id} follows {self.source_id}"


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    CONTRIBUTOR = "contributor", _("Contributor")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A user's role on a topic. The topic's ``owner`` (owner of record) is an owner
    without a row."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "curation_membership"
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"
