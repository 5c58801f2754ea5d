from __future__ import annotations

from django.db import models
from django.utils import timezone


class Follower(models.Model):
    """A remote actor following one of ours; only accepted followers receive posts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        ACCEPTED = "accepted", "Accepted"

    actor = models.ForeignKey("federation.LocalActor", on_delete=models.CASCADE, related_name="+")
    remote = models.ForeignKey("federation.RemoteActor", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    # The Follow activity's id: Accept and Reject quote it back.
    follow_id = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "remote"], name="follower_unique"),
        ]
        indexes = [models.Index(fields=["actor", "status"], name="follower_actor_status")]

    def __str__(self) -> str:
        return f"{self.remote_id} follows {self.actor_id}"


class RemoteFollow(models.Model):
    """One of our topics following a remote account: the fediverse as a source."""

    class Status(models.TextChoices):
        PENDING = "pending", "Requested"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    actor = models.ForeignKey("federation.LocalActor", on_delete=models.CASCADE, related_name="+")
    remote = models.ForeignKey("federation.RemoteActor", on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(
        "sources.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    follow_id = models.URLField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "remote"], name="remotefollow_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} follows {self.remote_id}"


class Block(models.Model):
    """A refused instance (``domain``) or actor (``actor_uri``), site-wide when ``actor``
    (ours) is empty, else only for that topic or curator."""

    actor = models.ForeignKey(
        "federation.LocalActor", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    domain = models.CharField(max_length=255, blank=True, db_index=True)
    actor_uri = models.URLField(max_length=2000, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.actor_uri or self.domain


class FollowedPost(models.Model):
    """A followed account's post, stored as an entry: its object id finds the entry again
    when the author edits or deletes the post (a Delete names only the id, and the entry
    is keyed by the post's page, which its feed shares)."""

    object_id = models.URLField(max_length=2000, db_index=True)
    # Who may edit or delete it: the actor whose Create brought it.
    author_uri = models.URLField(max_length=2000)
    entry = models.ForeignKey("sources.Entry", on_delete=models.CASCADE, related_name="+")
    # The author deleted it while a scoop still used the entry: kept, and flagged to the
    # topic's curators on its Fediverse page.
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object_id", "entry"], name="followedpost_unique"),
        ]

    def __str__(self) -> str:
        return self.object_id
