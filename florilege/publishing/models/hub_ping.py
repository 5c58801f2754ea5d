from __future__ import annotations

from django.db import models
from django.utils import timezone


class HubPing(models.Model):
    """A WebSub "publish" notification owed to the hub for a newly visible scoop.

    A row, not a call: publishing a scoop writes it, and the worker sends it when the scoop
    becomes visible (``due_at`` is its publication time, so a scheduled scoop is announced
    when it appears, not before). Sending twice is harmless: the hub just fetches again.
    """

    scoop = models.ForeignKey("curation.Scoop", on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "due_at"], name="hubping_due")]

    def __str__(self) -> str:
        return f"ping for scoop {self.scoop_id}"
