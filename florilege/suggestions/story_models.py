"""Stories: entries about the same story, grouped across sources (see ``clustering.py``).

The link lives on this side (``StoryMember.entry``), so ``sources`` does not depend on
``suggestions``. Members carry the signals the incremental lookup searches on (canonical
URL as clustered, fingerprint bands, date), each indexed, so a new entry finds its
candidates with index lookups over recent rows, never a scan of the corpus.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Story(models.Model):
    first_seen = models.DateTimeField()
    # The newest member's date: semantic lookups read only stories seen within the window.
    last_seen = models.DateTimeField(db_index=True)
    size = models.PositiveIntegerField(default=1)
    # L2-normalised centroid of the members' sentence vectors (float16), if any had text.
    centroid = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "stories"

    def __str__(self) -> str:
        return f"story {self.pk} ({self.size} entries)"


class StoryMember(models.Model):
    """An entry's place in a story, and why it joined."""

    class Reason(models.TextChoices):
        NEW = "new", "First of its story"
        URL = "url", "Same canonical URL"
        NEAR = "near", "Near-duplicate text"
        SEMANTIC = "semantic", "Similar meaning"

    entry = models.OneToOneField(
        "sources.Entry", on_delete=models.CASCADE, primary_key=True, related_name="story_member"
    )
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="members")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    similarity = models.FloatField(default=1.0)
    # The entry's date (published, else fetched) and its URL as clustered: a later refetch
    # may rewrite the entry, the story keeps what it matched on.
    seen_at = models.DateTimeField()
    canonical_url = models.CharField(max_length=2000, blank=True)  # indexed in Meta
    fingerprint = models.BigIntegerField(null=True, blank=True)
    # The fingerprint in four 16-bit bands (see clustering.bands): near-duplicates share one.
    band0 = models.IntegerField(null=True, blank=True)
    band1 = models.IntegerField(null=True, blank=True)
    band2 = models.IntegerField(null=True, blank=True)
    band3 = models.IntegerField(null=True, blank=True)
    # MinHash signature of title and text (minhash.py), uint32 x 64; its LSH bands are
    # StoryBand rows.
    minhash = models.BinaryField(null=True, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["band0", "seen_at"], name="story_band0"),
            models.Index(fields=["band1", "seen_at"], name="story_band1"),
            models.Index(fields=["band2", "seen_at"], name="story_band2"),
            models.Index(fields=["band3", "seen_at"], name="story_band3"),
            # Equality only: db_index would add PostgreSQL's unused twin for LIKE.
            models.Index(fields=["canonical_url"], name="member_canonical_url"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} in {self.story_id} ({self.reason})"


class StoryBand(models.Model):
    """One LSH band of a member's MinHash signature: members sharing a band key are
    candidates for the same story (``minhash.band_keys``)."""

    member = models.ForeignKey(StoryMember, on_delete=models.CASCADE, related_name="bands")
    key = models.BigIntegerField()
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "seen_at"], name="story_minhash_band")]

    def __str__(self) -> str:
        return f"band {self.key} of {self.member_id}"
