"""A topic's webhooks and the deliveries owed to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from florilege.lib.encrypted_field import EncryptedTextField


class Event(models.TextChoices):
    SCOOP_PUBLISHED = "scoop.published", _("A scoop is published")
    SCOOP_UPDATED = "scoop.updated", _("A published scoop is edited")
    SCOOP_UNPUBLISHED = "scoop.unpublished", _("A scoop is unpublished")
    COMMENT_CREATED = "comment.created", _("A reader comments")


# Sent by the "send test" button only; never subscribed to.
TEST_EVENT = "webhook.test"


class Preset(models.TextChoices):
    STANDARD = "standard", _("JSON (Standard Webhooks)")
    SLACK = "slack", _("Slack incoming webhook")
    TEAMS = "teams", _("Microsoft Teams (Adaptive Card)")


class Webhook(models.Model):
    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    preset = models.CharField(max_length=10, choices=Preset.choices, default=Preset.STANDARD)
    events = models.JSONField(default=list)
    # ``whsec_`` and base64: the key of every signature; encrypted at rest like other secrets.
    secret = EncryptedTextField()
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    """One event owed to one webhook: a row the ``webhooks`` stage claims, retried with
    backoff, keeping the last answer for the curator's delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Given up")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    # The Standard Webhooks message id: the same on every attempt of this delivery.
    msg_id = models.CharField(max_length=40, unique=True)
    event = models.CharField(max_length=40)
    headline = models.CharField(max_length=300, blank=True)
    body = models.BinaryField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook_id}"
