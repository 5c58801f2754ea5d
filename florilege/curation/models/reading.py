"""What each curator has read among the items of the sources they follow (the "all items"
view of a topic).

Read state is one watermark per curator and source plus a few exceptions, not a row per
curator and entry: "mark all read" on a topic of 300 sources with 50,000 entries writes 300
watermarks instead of 50,000 rows, an entry stored meanwhile (a higher id) is unread without
a write, and the exceptions (an item marked read above the watermark, or unread below it)
are deleted when the watermark passes them, so the table holds only what a curator toggled
since their last "mark all read". The watermark is per source rather than per topic because
an item read in one topic is read in every topic that follows the same source, as in
reader apps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReadMark(models.Model):
    """Every entry of ``source`` up to ``up_to`` (an entry id: ids grow as entries are
    stored) is read by ``user``, unless an ``EntryRead`` says otherwise."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey("sources.Source", on_delete=models.CASCADE, related_name="+")
    up_to = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "source"], name="readmark_unique_user_source")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.source_id} up to {self.up_to}"


class EntryRead(models.Model):
    """An exception to the watermark: ``entry`` is read (``read``) or unread for ``user``
    whatever its source's ``ReadMark`` says."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey("sources.Entry", on_delete=models.CASCADE, related_name="+")
    read = models.BooleanField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "entry"], name="entryread_unique_user_entry")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {'read' if self.read else 'unread'} {self.entry_id}"
