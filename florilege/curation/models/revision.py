"""A scoop's edit history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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
