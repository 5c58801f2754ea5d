"""Pages that readers propose to a topic."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReaderSuggestion(models.Model):
    """A page a visitor proposed to a topic, waiting in the curators' queue.

    Its own model rather than an Entry of a made-up Source: a reader's link is untrusted,
    so it must never be auto-published by a rule, scored as a feed item, or leased by the
    fetching worker. Its title, site and description are read afterwards by a one-off job
    (``reader.read_suggested_page``) through the guarded client, never while the visitor
    waits; until then (or if the page cannot be read) the queue shows the address's host.
    ``visitor`` is the analytics visitor hash under the day's salt (no address stored).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SCOOPED = "scooped", _("Scooped")
        DISCARDED = "discarded", _("Discarded")

    topic = models.ForeignKey(
        "topics.Topic", on_delete=models.CASCADE, related_name="reader_suggestions"
    )
    url = models.URLField(max_length=2000)
    canonical_url = models.CharField(max_length=2000)
    note = models.TextField(blank=True)
    # Read from the page by a job; empty until then, or when the page could not be read.
    title = models.CharField(max_length=300, blank=True)
    site_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    page_read_at = models.DateTimeField(null=True, blank=True)
    visitor = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["topic", "status", "-created_at"], name="readersugg_queue"),
            models.Index(fields=["visitor", "created_at"], name="readersugg_rate"),
        ]

    def __str__(self) -> str:
        return f"{self.url} for {self.topic_id}"

    @property
    def host(self) -> str:
        """The address's host without "www.": what the queue shows until the page is read."""
        return (urlsplit(self.url).hostname or "").removeprefix("www.")
