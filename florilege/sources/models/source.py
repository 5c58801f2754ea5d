from __future__ import annotations

from django.db import models
from django.utils import timezone


class Source(models.Model):
    """A feed we fetch. One row per feed URL, shared by every topic that follows it.

    The row is also the worker's job: ``next_fetch_at`` says when it is due, and
    ``leased_until`` marks it as taken so that two workers never fetch it at once.
    """

    url = models.URLField("feed address", max_length=2000, unique=True)
    site_url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    feed_format = models.CharField(max_length=20, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    # Fetch each new item's page and extract its main text when the feed has only a summary.
    full_text = models.BooleanField(
        "fetch full text",
        default=False,
        help_text="Fetch each new item's page for its full text when the feed has only a summary.",
    )

    # WebSub (push): the hub and topic the feed advertises, and our subscription's state.
    websub_hub = models.URLField(max_length=2000, blank=True)
    websub_topic = models.URLField(max_length=2000, blank=True)
    websub_secret = models.CharField(max_length=64, blank=True)
    websub_state = models.CharField(max_length=12, blank=True)
    websub_expires_at = models.DateTimeField(null=True, blank=True)

    # Conditional GET validators from the last 200 response.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    entry_count = models.PositiveIntegerField(default=0)
    # The last full read: items that could not be read or stored (the others were) and the
    # first reason, and items left out because the feed listed more than FETCH_MAX_ITEMS.
    skipped_items = models.PositiveIntegerField(default=0)
    skip_reason = models.CharField(max_length=500, blank=True)
    dropped_items = models.PositiveIntegerField(default=0)

    # Seconds between polls chosen at the last successful read (kept for 304s, which carry
    # no dates to measure the posting rate from).
    fetch_interval = models.FloatField(null=True, blank=True)
    next_fetch_at = models.DateTimeField(default=timezone.now, db_index=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["title", "url"]

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def display_name(self) -> str:
        return self.title or self.url
