from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone


class Entry(models.Model):
    """One item of a source, sanitised. ``key`` is stable across refetches, so storing is
    an upsert: the same guid, or (without a guid) the same canonical URL, is the same row."""

    # No index of its own: the unique (source, key) and the (source, canonical_url) indexes
    # both lead with it. Every fetched entry writes each index of this, the largest table.
    source = models.ForeignKey(
        "sources.Source", on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    # sha256 of the item's identity (guid, else canonical link, else title+date), hex.
    key = models.CharField(max_length=64)
    guid = models.CharField(max_length=2000, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    canonical_url = models.CharField(max_length=2000, blank=True)  # indexed in Meta
    title = models.CharField(max_length=500, blank=True)
    summary = models.TextField(blank=True)
    content = models.TextField(blank=True)
    author = models.CharField(max_length=300, blank=True)
    image_url = models.URLField(max_length=2000, blank=True)
    categories = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=10, blank=True)
    # 64-bit SimHash of the title and text (signed, to fit a database bigint): entries whose
    # fingerprints differ in a few bits are near-duplicates.
    fingerprint = models.BigIntegerField(null=True, blank=True, db_index=True)
    # When the entry was scored for the topics following its source (null: not yet). The
    # suggestion stage runs after storing, so a crash between the two loses nothing.
    suggested_at = models.DateTimeField(null=True, blank=True)
    # When the entry got its sentence vector and story (null: not yet). Its own column, so
    # the enrichment stage finds its work whatever other stage ran first.
    enriched_at = models.DateTimeField(null=True, blank=True)
    # When the full text was fetched from the item's page ("" content and a date: it failed).
    extracted_at = models.DateTimeField(null=True, blank=True)
    # Until when a worker holds the page fetch (so two workers never fetch the same page);
    # a crashed worker's lease runs out and the entry is tried again.
    extract_leased_until = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="entry_unique_key_per_source"),
        ]
        indexes = [
            models.Index(fields=["source", "canonical_url"], name="entry_source_canon"),
            models.Index(
                fields=["id"],
                name="entry_to_suggest",
                condition=models.Q(suggested_at__isnull=True),
            ),
            models.Index(
                fields=["id"],
                name="entry_to_enrich",
                condition=models.Q(enriched_at__isnull=True),
            ),
            # The retention stage's walk, oldest first (curation/services/retention.py).
            models.Index(fields=["fetched_at"], name="entry_fetched"),
            # Equality only (a page's other copies, a topic's pages): declared here, not as
            # db_index, which on PostgreSQL adds a second index for LIKE that nothing uses.
            models.Index(fields=["canonical_url"], name="entry_canonical_url"),
        ]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def date(self) -> datetime:
        return self.published_at or self.updated_at or self.fetched_at
