from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from florilege.lib.encrypted_field import EncryptedTextField


class LocalActor(models.Model):
    """One of our ActivityPub actors: a topic, a curator, or the instance itself.

    Keys are made by :func:`florilege.federation.services.keys.ensure_keys` the first time
    they are needed, never in ``save()``: generating RSA keys is slow and most topics are
    never fetched by anyone.
    """

    class Kind(models.TextChoices):
        TOPIC = "topic", "Topic"
        CURATOR = "curator", "Curator"
        INSTANCE = "instance", "Instance"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    username = models.CharField(max_length=150)
    topic = models.OneToOneField(
        "topics.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="actor"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="fediverse_actor",
    )
    # Encrypted at rest: a copy of the database does not let anyone sign as us.
    private_key_pem = EncryptedTextField(blank=True)
    public_key_pem = models.TextField(blank=True)
    # Followers wait for the curator's approval instead of being accepted at once.
    approves_followers = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "username"], name="localactor_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.username}"


class RemoteActor(models.Model):
    """A fediverse actor we have fetched: who signs to us, who follows us, whom we follow."""

    uri = models.URLField(max_length=2000, unique=True)
    domain = models.CharField(max_length=255, db_index=True)
    username = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    inbox = models.URLField(max_length=2000, blank=True)
    shared_inbox = models.URLField(max_length=2000, blank=True)
    outbox = models.URLField(max_length=2000, blank=True)
    # Signatures name this key id: the cache of who signs with which key.
    key_id = models.CharField(max_length=2000, blank=True, db_index=True)
    public_key_pem = models.TextField(blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.uri

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox
