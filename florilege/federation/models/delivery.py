from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxActivity(models.Model):
    """An activity one of our actors sent: its JSON as sent, kept for the outbox and for
    its deliveries (which are rows of their own)."""

    actor = models.ForeignKey("federation.LocalActor", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    # What it is about: a scoop's object id (for a rescoop's Announce, the rescoop's own id,
    # so that unpublishing it finds the boost to undo), a follower's Follow id.
    object_uri = models.CharField(max_length=2000, blank=True, db_index=True)
    scoop = models.ForeignKey(
        "curation.Scoop", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField()
    # Public activities (Create, Update, Delete, Announce) show in the outbox collection.
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["actor", "public", "-id"], name="outbox_actor_recent")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id}"


class Instance(models.Model):
    """A remote server as a delivery target: dead hosts are detected here and skipped."""

    domain = models.CharField(max_length=255, unique=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    # Deliveries to it wait until then (set after repeated failures); a success clears it.
    retry_after = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.domain


class Delivery(models.Model):
    """One signed POST of one activity to one inbox (a shared inbox serves many followers).

    Leased by workers like sources are; retried with exponential backoff for days.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Delivered"
        FAILED = "failed", "Given up"

    activity = models.ForeignKey(OutboxActivity, on_delete=models.CASCADE, related_name="+")
    inbox = models.URLField(max_length=2000)
    domain = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=100, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "inbox"], name="delivery_unique_inbox"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.activity_id} -> {self.inbox}"
