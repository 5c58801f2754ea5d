"""What the reader-app APIs keep per user: app passwords, the choice of what "read" means,
the suggestions a curator has seen in a reader app, and the request counts of the rate
limit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppPassword(models.Model):
    """A password for one reader app, shown once and stored as a SHA-256 digest: it is a
    random 160-bit string, so a slow hash adds nothing, and a fast one lets every request of
    a sync be checked without a noticeable cost."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="app_passwords"
    )
    name = models.CharField(max_length=80)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"


class ReadMeaning(models.TextChoices):
    SEEN = "seen", _("Seen: it stays in the queue")
    DISCARD = "discard", _("Discard it from the queue")


class ReaderPreference(models.Model):
    """What marking an item read in a reader app does for this user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_preference"
    )
    read_means = models.CharField(
        max_length=10, choices=ReadMeaning.choices, default=ReadMeaning.SEEN
    )

    def __str__(self) -> str:
        return f"{self.user_id}: read means {self.read_means}"


class SeenSuggestion(models.Model):
    """A pending suggestion this user marked read in a reader app, kept in the queue."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    suggestion = models.ForeignKey(
        "suggestions.Suggestion", on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "suggestion"], name="seensuggestion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.suggestion_id}"


class RequestWindow(models.Model):
    """Requests counted for one key (an app password, or a client address that failed to
    log in) in the minute starting at ``started_at``: one row updated per request, shared
    by every web process."""

    key = models.CharField(max_length=80, unique=True)
    started_at = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.started_at}"
