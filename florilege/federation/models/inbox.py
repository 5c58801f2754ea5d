from __future__ import annotations

from django.db import models
from django.utils import timezone


class InboxItem(models.Model):
    """An activity as received, stored raw once its signature checked out; a worker stage
    processes it later, so the inbox answers 202 quickly and a bug loses nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", "To process"
        DONE = "done", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    actor = models.ForeignKey(
        "federation.LocalActor", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    remote_uri = models.URLField(max_length=2000)
    domain = models.CharField(max_length=255)
    activity_id = models.CharField(max_length=2000, blank=True, db_index=True)
    kind = models.CharField(max_length=40, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbox_pending"),
            models.Index(fields=["domain", "received_at"], name="inbox_domain_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.remote_uri}"


class Reaction(models.Model):
    """A Like or an Announce (boost) of one of our scoops; Undo deletes it."""

    class Kind(models.TextChoices):
        LIKE = "like", "Like"
        ANNOUNCE = "announce", "Boost"

    scoop = models.ForeignKey("curation.Scoop", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor_uri = models.URLField(max_length=2000)
    activity_id = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scoop", "kind", "actor_uri"], name="reaction_once_per_actor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.scoop_id}"
