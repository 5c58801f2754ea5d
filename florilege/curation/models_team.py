"""Teams: who works on a topic and in which role, invitations, in-app notifications, scoop
revisions, the audit log and two-factor secrets. Imported by ``curation/models.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    CONTRIBUTOR = "contributor", _("Contributor")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A user's role on a topic. The topic's ``owner`` (owner of record) is an owner
    without a row."""

    topic = models.ForeignKey(
        "curation.Topic", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class Invitation(models.Model):
    """An invitation to join a topic in a role. The link carries a signed token naming this
    row; it works once, until ``expires_at``."""

    topic = models.ForeignKey(
        "curation.Topic", on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    email = models.EmailField(blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation #{self.pk} as {self.role}"


class Notification(models.Model):
    """A message shown in the app (the header counts the unread ones)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    topic = models.ForeignKey(
        "curation.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
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

    topic = models.ForeignKey("curation.Topic", on_delete=models.CASCADE, related_name="audit")
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


class TwoFactor(models.Model):
    """A user's TOTP secret; login asks for a code once ``confirmed_at`` is set."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor"
    )
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step accepted: a code is good once.
    last_counter = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"two-factor of {self.user_id}"
