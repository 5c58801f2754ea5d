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


class ViewEvent(models.Model):
    """One view of a public page, as served (kept ``ANALYTICS_RAW_DAYS`` days, then only
    the daily rows the rollup made from it). Nothing here identifies a reader: ``visitor``
    is an HMAC under the day's random salt (deleted once the day is over) and is blanked
    when the day is rolled up; it is empty for readers who send ``DNT``/``Sec-GPC``."""

    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="+")
    # Plain numbers, not foreign keys: the counting write stays one cheap INSERT, and this
    # app sits below the one that owns scoops.
    scoop_id = models.PositiveIntegerField(null=True, blank=True)
    tag = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField()
    visitor = models.CharField(max_length=64, blank=True)
    referrer = models.CharField(max_length=10, blank=True)  # a bucket, see counting.py
    referrer_host = models.CharField(max_length=100, blank=True)
    device = models.CharField(max_length=7, blank=True)  # "feed" for a feed fetch
    # What a feed reader's user agent says it fetches for (feed fetches only).
    subscribers = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["at"], name="viewevent_at"),
            models.Index(fields=["topic", "at"], name="viewevent_topic_at"),
        ]

    def __str__(self) -> str:
        return f"view of {self.topic_id} at {self.at}"


class HeldViews(models.Model):
    """Views a web process held for a moment, written as one row: their ``ViewEvent`` rows
    as JSON (visitors already hashed, no address). The ``analytics_views`` stage turns
    each into those rows and deletes it, in one transaction. So a web process spends one
    INSERT per batch, and the row-by-row work is the worker's, not the readers'."""

    written_at = models.DateTimeField()
    first_at = models.DateTimeField()  # its earliest view: days from then wait to be rolled up
    views = models.PositiveIntegerField()
    rows = models.TextField()

    def __str__(self) -> str:
        return f"{self.views} views held at {self.written_at}"


class ClickEvent(models.Model):
    """One reader following a link to the original article through ``/go/``."""

    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="+")
    scoop_id = models.PositiveIntegerField()
    at = models.DateTimeField()
    via = models.CharField(max_length=10, blank=True)  # page, feed, digest, embed, fediverse
    edition = models.PositiveIntegerField(null=True, blank=True)  # a digest edition
    referrer = models.CharField(max_length=10, blank=True)
    device = models.CharField(max_length=7, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["at"], name="clickevent_at"),
            models.Index(fields=["topic", "at"], name="clickevent_topic_at"),
        ]

    def __str__(self) -> str:
        return f"click on {self.scoop_id} at {self.at}"


class DailyCount(models.Model):
    """One figure of one topic for one day, kept for ever: ``kind`` says what is counted
    (views, visitors, clicks, a referrer bucket, a device, a scoop's views…) and ``key``
    which one (a scoop id, a bucket, a channel). Written only by the rollup, which replaces
    a day's rows as a whole, so re-running it gives the same rows."""

    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=16)
    key = models.CharField(max_length=120, blank=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "kind", "day", "key"], name="dailycount_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}[{self.key}]={self.value} of {self.topic_id} on {self.day}"


class RollupDay(models.Model):
    """A (UTC) day whose raw events are to be, or have been, rolled up: the row the rollup
    stage leases, so two workers never roll up the same day at once."""

    day = models.DateField(unique=True)
    done_at = models.DateTimeField(null=True, blank=True)
    events = models.BigIntegerField(default=0)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"rollup of {self.day}"


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
