"""Invitations to join a topic, and two-factor secrets. The tables keep the names they had
when these models lived in ``curation``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from florilege.lib.encrypted_field import EncryptedTextField
from florilege.topics.models import Role


class Invitation(models.Model):
    """An invitation to join a topic in a role. The link carries a signed token naming this
    row; it works once, until ``expires_at``."""

    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=12, choices=Role.choices)
    email = models.EmailField(blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "curation_invitation"

    def __str__(self) -> str:
        return f"invitation #{self.pk} as {self.role}"


class TwoFactor(models.Model):
    """A user's TOTP secret; login asks for a code once ``confirmed_at`` is set."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor"
    )
    # Encrypted at rest: whoever reads a copy of the database cannot make codes.
    secret = EncryptedTextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step accepted: a code is good once.
    last_counter = models.BigIntegerField(null=True, blank=True)

    class Meta:
        db_table = "curation_twofactor"

    def __str__(self) -> str:
        return f"two-factor of {self.user_id}"


class LoginThrottle(models.Model):
    """Failed logins counted against one thing: an account's name, a client address, or an
    account's two-factor step. ``key`` is an HMAC of what it is (keyed with the secret key),
    so no name or address is kept, and the row goes once ``forget_at`` has passed."""

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    # Locks since the last success: each lasts twice as long as the one before.
    locks = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    forget_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"login throttle {self.key[:8]}"


class SignUp(models.Model):
    """An account someone created for themselves (FLORILEGE_SIGNUP=open). The account stays
    inactive, so it cannot log in, until the link emailed to its address is used."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_up"
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-up of {self.user_id}"
