"""A scoop: a link with the curator's insight, and the states it goes through."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from florilege.lib.text.folding import slug_at_word
from florilege.lib.urls import domain_of


class ScoopStatus(models.TextChoices):
    """A scoop's life: a draft (kept, or returned by an editor with a comment), proposed by a
    contributor, scheduled for a time, published, or taken down."""

    DRAFT = "draft", _("Draft")
    AWAITING = "awaiting", _("Awaiting approval")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


class ScoopQuerySet(models.QuerySet):
    def visible(self, now=None):
        """What readers may see: scoops of public topics whose publication time has come.

        Every public surface (pages, feeds out, digests, embeds, federation) goes through this
        one filter, so a new state of a scoop (draft, awaiting approval, scheduled) is hidden
        everywhere by changing it here.
        """
        return self.filter(
            topic__is_public=True,
            status=ScoopStatus.PUBLISHED,
            published_at__lte=now or timezone.now(),
        )


class Scoop(models.Model):
    """A published piece: a link with the curator's insight, on a topic's page."""

    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="scoops")
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scoops"
    )
    entry = models.ForeignKey(
        "sources.Entry", null=True, blank=True, on_delete=models.SET_NULL, related_name="scoops"
    )
    url = models.URLField(max_length=2000)
    canonical_url = models.CharField(max_length=2000)
    title = models.CharField(max_length=300)
    excerpt = models.TextField(blank=True)
    image_url = models.URLField(max_length=2000, blank=True)
    # The picture's size in pixels when it is known without fetching it (pictures the instance
    # draws itself): the fediverse attachment then states it, and servers lay the post out
    # before the picture arrives. Null for pictures found on other sites.
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)
    # The picture as we serve it (thumbnails made by the ``pictures`` stage from
    # ``image_url``); pages show a picture only once it is ready, never ``image_url`` itself.
    picture = models.ForeignKey(
        "media.Picture", null=True, blank=True, on_delete=models.SET_NULL, related_name="scoops"
    )
    source_name = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=10, blank=True)
    insight = models.TextField(help_text="Markdown")
    insight_html = models.TextField()
    tags = models.JSONField(default=list, blank=True)
    # Empty for drafts and proposals; the time it goes out for scheduled scoops.
    published_at = models.DateTimeField(default=timezone.now, db_index=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The scoop this one was taken from (credited on both pages); kept null if it goes.
    rescooped_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rescoops"
    )
    # The automation rule that published this scoop without review, if one did.
    auto_rule = models.ForeignKey(
        "curation.AutomationRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scoops",
    )
    # Where it stands in the approval flow (drafts, proposals, schedule).
    status = models.CharField(
        max_length=12, choices=ScoopStatus.choices, default=ScoopStatus.PUBLISHED, db_index=True
    )
    # When an editor pinned it to the top of the topic page; null when not pinned.
    pinned_at = models.DateTimeField(null=True, blank=True)
    # The editor's comment when a proposal is sent back.
    review_comment = models.TextField(blank=True)

    objects = ScoopQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "canonical_url"], name="scoop_unique_url_per_topic"
            ),
        ]
        indexes = [models.Index(fields=["topic", "-published_at"], name="scoop_topic_recent")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("publishing:scoop", args=[self.topic.slug, self.pk, self.slug])

    @property
    def domain(self) -> str:
        return domain_of(self.url)

    @property
    def slug(self) -> str:
        return slug_at_word(self.title, 60, default="scoop")
