from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from florilege.sources.models import Entry


class Suggestion(models.Model):
    """An entry proposed to a topic's curators, with its score and why it scored."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SCOOPED = "scooped", _("Scooped")
        DISCARDED = "discarded", _("Discarded")

    # No index of its own: the unique (topic, entry) and the queue's indexes lead with it.
    topic = models.ForeignKey(
        "topics.Topic", on_delete=models.CASCADE, related_name="suggestions", db_index=False
    )
    entry = models.ForeignKey("sources.Entry", on_delete=models.CASCADE, related_name="suggestions")
    score = models.FloatField(default=0.0)
    # {"keywords": [...matched...], "freshness": 0.8}: shown to the curator as "why".
    reasons = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the topic's automation rules looked at it (null: not yet): the rules stage's
    # own marker, so it runs whenever and wherever, after any path that suggests.
    rules_checked_at = models.DateTimeField(null=True, blank=True)
    # Not a column: the entries of its story from other sources, set on the queue page's
    # suggestions by ``stories.attach_story_sources``.
    story_others: list[Entry]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "entry"], name="suggestion_unique_entry_per_topic"
            ),
        ]
        indexes = [
            # The queue's exact order (ties by newest), so a page is read from the index
            # instead of sorting every pending row. (It replaced (topic, status, -score),
            # its own prefix, dropped since: one index fewer for each suggestion written.)
            models.Index(
                fields=["topic", "status", "-score", "-id"], name="suggestion_queue_order"
            ),
            models.Index(
                fields=["id"],
                name="suggestion_to_rule",
                condition=models.Q(rules_checked_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} → {self.topic} ({self.score:.2f})"


class EntryVector(models.Model):
    """An entry's sentence embedding (see ``lib/text/embedding.py``), computed once in a
    batched background stage and read by clustering and ranking."""

    entry = models.OneToOneField(
        "sources.Entry", on_delete=models.CASCADE, primary_key=True, related_name="vector"
    )
    encoder = models.CharField(max_length=40)
    # float16 x 512, L2-normalised.
    vector = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"vector of {self.entry_id} ({self.encoder})"


class TopicRanker(models.Model):
    """A topic's learned ranking model (``suggestions/ranker.py``), trained by the worker.

    Rebuilt from the topic's decisions whenever they (or the topic's rules) change, so the
    row is a cache of its decision history: deleting it loses nothing. ``state`` holds numpy
    arrays as .npz bytes (read without pickle) and ``meta`` the rest as JSON.
    """

    topic = models.OneToOneField(
        "topics.Topic", on_delete=models.CASCADE, primary_key=True, related_name="ranker"
    )
    # +1 at each training: shown to curators and stored on nothing else.
    version = models.PositiveIntegerField(default=0)
    decisions = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(null=True, blank=True)
    # Digest of what the model was trained on; the worker retrains when it differs.
    fingerprint = models.CharField(max_length=64, blank=True)
    # Decisions up to this moment are forgotten (a curator reset the model).
    reset_at = models.DateTimeField(null=True, blank=True)
    state = models.BinaryField(default=b"", blank=True)
    meta = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"ranker of {self.topic_id} v{self.version}"


# Stories live in their own module; imported here so Django registers them with this app.
from florilege.suggestions.story_models import Story, StoryBand, StoryMember  # noqa: E402

__all__ = ["EntryVector", "Story", "StoryBand", "StoryMember", "Suggestion", "TopicRanker"]
