"""Personal access tokens for the REST API (``/api/v1/``).

Only a SHA-256 digest of each token is stored: the token is 256 random bits, so a fast
hash is enough (nothing to guess, no dictionary), and a lookup is one indexed query. The
plain token is shown once, when it is made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """Each scope includes the ones before it: read < curate < admin."""

    READ = "read", _("Read")
    CURATE = "curate", _("Curate")
    ADMIN = "admin", _("Administer")


SCOPE_RANK = {Scope.READ: 0, Scope.CURATE: 1, Scope.ADMIN: 2}


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # The first characters of the token, shown in the list so the owner can tell them apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Rate limit: requests counted in the current fixed window (shared by every process).
    window_start = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def allows(self, scope: str) -> bool:
        return SCOPE_RANK[Scope(self.scope)] >= SCOPE_RANK[Scope(scope)]
