"""Email followers of a topic and the digests sent to them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Subscriber(models.Model):
    """An address following a topic by email. Double opt-in: ``pending`` until the link
    in the confirmation email is used; ``unsubscribed`` rows are kept so a later
    subscription reuses them (one row per topic and address)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    class Frequency(models.TextChoices):
        # Lazy: the follow form shows them in the reader's language.
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    frequency = models.CharField(max_length=6, choices=Frequency.choices, default="weekly")
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "email"], name="subscriber_unique"),
        ]
        indexes = [models.Index(fields=["topic", "status", "frequency"], name="subscriber_due")]

    def __str__(self) -> str:
        return f"{self.email} follows {self.topic_id}"


class DigestSchedule(models.Model):
    """A topic's newsletter settings: sent at ``hour`` in the topic's time zone, every day
    for daily followers and on ``weekday`` for weekly ones."""

    topic = models.OneToOneField(
        "topics.Topic", on_delete=models.CASCADE, related_name="digest_schedule"
    )
    enabled = models.BooleanField(default=True)
    hour = models.PositiveSmallIntegerField(default=8)
    weekday = models.PositiveSmallIntegerField(default=0, help_text="0 is Monday")
    time_zone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return f"digest of {self.topic_id}"


class DigestRun(models.Model):
    """One digest edition of a topic: the period and the scoops chosen for it, fixed once
    so every follower (and every retry) gets the same content."""

    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=6, choices=Subscriber.Frequency.choices)
    period = models.CharField(max_length=20, help_text="The local date the edition is for")
    since = models.DateTimeField()
    until = models.DateTimeField()
    scoop_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "frequency", "period"], name="digestrun_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.frequency} digest of {self.topic_id} for {self.period}"


class DigestSend(models.Model):
    """One email of one edition to one follower: the row a worker leases.

    Unique per (edition, subscriber), so planning twice never doubles a send."""

    class Status(models.TextChoices):
        PENDING = "pending", "To send"
        SENDING = "sending", "Leased by a worker"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped (follower left)"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(DigestRun, on_delete=models.CASCADE, related_name="sends")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "subscriber"], name="digestsend_unique"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="digestsend_due")]

    def __str__(self) -> str:
        return f"send {self.run_id} to {self.subscriber_id}: {self.status}"
