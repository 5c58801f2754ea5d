"""Readers' signals that must not identify them: "useful" reactions and reports (their rate
limits are ``analytics.throttle``'s).

Each stores only an HMAC of the visitor under the day's random salt (see
``florilege.analytics.services``): once that salt is deleted, nobody can tell who it was.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Reaction(models.Model):
    """A "useful" vote on a scoop; one per visitor per day (the hash changes daily)."""

    scoop = models.ForeignKey("curation.Scoop", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    visitor = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scoop", "day", "visitor"], name="reaction_unique"),
        ]

    def __str__(self) -> str:
        return f"useful on {self.scoop_id}"


class CommentReport(models.Model):
    """A reader's report of a comment; one per visitor per day."""

    comment = models.ForeignKey(
        "publishing.Comment", on_delete=models.CASCADE, related_name="reports"
    )
    day = models.DateField()
    visitor = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "day", "visitor"], name="commentreport_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"report of {self.comment_id}"

