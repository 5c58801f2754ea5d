from __future__ import annotations

from django.db import models
from django.utils import timezone


class DailySalt(models.Model):
    """A random salt per day: visitor hashes of different days cannot be linked, and once a
    day's salt is deleted nobody can recompute that day's hashes from an address."""

    day = models.DateField(unique=True)
    value = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"salt of {self.day}"


class TopicVisitor(models.Model):
    """One row per (topic, day, visitor hash): the cookie-less "counted once a day" check.
    Rows older than yesterday are pruned; only the daily totals are kept."""

    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    visitor = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "day", "visitor"], name="topicvisitor_unique"),
        ]

    def __str__(self) -> str:
        return f"visitor of {self.topic_id} on {self.day}"


class TopicDailyViews(models.Model):
    topic = models.ForeignKey(
        "topics.Topic", on_delete=models.CASCADE, related_name="daily_views"
    )
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "day"], name="topicdailyviews_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.views} views of {self.topic_id} on {self.day}"


class RateEvent(models.Model):
    """One rate-limited action of a readers' form by a hashed address (see
    ``analytics.throttle``); rows older than the window are pruned as new ones arrive."""

    action = models.CharField(max_length=20)
    visitor = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Its table since it moved here from publishing (kept, with its rows).
        db_table = "publishing_rateevent"
        indexes = [models.Index(fields=["action", "visitor", "at"], name="rateevent_lookup")]

    def __str__(self) -> str:
        return f"{self.action} at {self.at}"
