"""Making, revoking and checking personal access tokens, and their rate limit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext as _

from florilege.api.models import ApiToken, Scope

# Recognisable in a leaked paste or a secret scanner's rules; not part of the secret.
TOKEN_PREFIX = "flg_"
MAX_TOKENS = 50
EXPIRY_DAYS = (0, 7, 30, 90, 365)  # 0: never


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    raw: str  # shown once, never stored


def create(user, name: str, scope: str, days: int, now: datetime) -> NewToken:
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError(_("Give the token a name, to know later what uses it."))
    if scope not in Scope.values:
        raise ValidationError(_("Choose a scope: read, curate or admin."))
    if days not in EXPIRY_DAYS:
        raise ValidationError(_("Choose when the token expires."))
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_TOKENS:
        raise ValidationError(_("You have too many tokens; revoke some first."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=digest_of(raw),
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    return NewToken(token, raw)


def revoke(user, token_id: int, now: datetime) -> bool:
    """Revoke one of the user's own tokens (another user's id changes nothing)."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=now
        )
    )


def of_user(user) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))


def find(raw: str, now: datetime) -> ApiToken | None:
    """The live token ``raw`` names, with its user; None when unknown, revoked, expired or
    its user is inactive."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(raw), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token


def window_of(now: datetime, seconds: int) -> datetime:
    start = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(start, tz=now.tzinfo)


def spend(token: ApiToken, limit: int, seconds: int, now: datetime) -> int:
    """Count one request against the token's window, and note when it was last used, in
    one conditional UPDATE (so concurrent processes cannot overspend). Returns 0 when the
    request may go ahead, else the seconds until the window ends (for Retry-After)."""
    window = window_of(now, seconds)
    same_window = Q(window_start=window)
    updated = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(~same_window | Q(window_start__isnull=True) | Q(window_count__lt=limit))
        .update(
            window_count=Case(When(same_window, then=F("window_count") + 1), default=Value(1)),
            window_start=window,
            last_used_at=now,
        )
    )
    if updated:
        return 0
    return max(1, int((window + timedelta(seconds=seconds) - now).total_seconds()) + 1)
