from __future__ import annotations

from django.db import models
from django.utils import timezone


class InboxItem(models.Model):
    """An activity as received; a worker stage processes it later, so the inbox answers 202
    quickly and a bug loses nothing.

    Signed by a key we hold, it is verified in the request and stored ``pending``. Signed by
    a key we do not know yet, it is stored ``unverified`` with what checking it needs (the
    signed headers, the raw body, the path): the stage fetches the key and verifies it, as
    fetching inside the request would let anyone hold the web threads with slow key URLs.
    """

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "Signature to check"
        PENDING = "pending", "To process"
        DONE = "done", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"
        REFUSED = "refused", "Signature refused"

    actor = models.ForeignKey(
        "federation.LocalActor", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    remote_uri = models.URLField(max_length=2000)
    domain = models.CharField(max_length=255)
    activity_id = models.CharField(max_length=2000, blank=True, db_index=True)
    kind = models.CharField(max_length=40, blank=True)
    payload = models.JSONField()
    # For an unverified activity: what verifying its signature needs, emptied once checked.
    key_id = models.CharField(max_length=2000, blank=True)
    path = models.CharField(max_length=2000, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbox_pending"),
            models.Index(fields=["domain", "received_at"], name="inbox_domain_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.remote_uri}"


class Reaction(models.Model):
    """A Like or an Announce (boost) of one of our scoops; Undo deletes it."""

    class Kind(models.TextChoices):
        LIKE = "like", "Like"
        ANNOUNCE = "announce", "Boost"

    scoop = models.ForeignKey("curation.Scoop", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor_uri = models.URLField(max_length=2000)
    activity_id = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scoop", "kind", "actor_uri"], name="reaction_once_per_actor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.scoop_id}"


class ReplyAuthor(models.Model):
    """Who wrote a comment that came as a reply from the fediverse: only that actor may
    edit or delete it (another account on the same server may not)."""

    comment = models.OneToOneField(
        "publishing.Comment", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    actor_uri = models.URLField(max_length=2000)

    def __str__(self) -> str:
        return f"{self.actor_uri} wrote {self.comment_id}"
