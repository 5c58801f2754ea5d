"""Teams: in-app notifications, scoop revisions and the audit log. Imported by
``curation/models.py``. Roles and memberships are in ``topics``; invitations and two-factor
secrets in ``accounts``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """A message shown in the app (the header counts the unread ones)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    topic = models.ForeignKey(
        "topics.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    scoop = models.ForeignKey(
        "curation.Scoop", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30)
    text = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text[:60]


class ScoopRevision(models.Model):
    """A scoop as it was before an edit: the edit history."""

    scoop = models.ForeignKey("curation.Scoop", on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=300)
    excerpt = models.TextField(blank=True)
    insight = models.TextField()
    tags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"revision of {self.scoop_id} at {self.created_at:%Y-%m-%d %H:%M}"


class AuditEvent(models.Model):
    """Who did what to which object of a topic, and when. Written by the services."""

    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's name when it happened: it stays readable after the account is deleted.
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["topic", "-at"], name="audit_topic_recent")]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.object_repr}"
