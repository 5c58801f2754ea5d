"""App passwords and the rate limit of the reader-app APIs.

A reader app logs in with the user's name and an **app password** made on the settings
page, never with the account's own password: these APIs have no second step, so the main
password here would let anyone who learns it skip two-factor login, and a password saved
in a phone app could not be revoked without changing the account's. The app password
doubles as the Google Reader ``Auth`` token and the Miniflux ``X-Auth-Token``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from florilege.readers.models import AppPassword, RequestWindow

WINDOW = timedelta(minutes=1)
MAX_PASSWORDS = 20
# The prefix tells a leaked secret's kind at a glance (secret scanners, logs).
PREFIX = "flr_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create(user, name: str, now: datetime) -> tuple[AppPassword, str]:
    """A new app password for ``user``; the secret is returned once and never stored."""
    name = " ".join((name or "").split())[:80]
    if not name:
        raise ValidationError(_("Name the app, so you know which password to revoke later."))
    if AppPassword.objects.filter(user=user).count() >= MAX_PASSWORDS:
        raise ValidationError(_("You have 20 app passwords: revoke one before making another."))
    secret = PREFIX + secrets.token_urlsafe(20)
    row = AppPassword.objects.create(user=user, name=name, digest=digest(secret), created_at=now)
    return row, secret


def revoke(user, password_id: int) -> bool:
    deleted, _rows = AppPassword.objects.filter(user=user, pk=password_id).delete()
    return bool(deleted)


def user_for(secret: str, username: str | None, now: datetime):
    """The active user this app password belongs to (and, when a name is given, whose
    name it is), or None. Records when it was last used, at most once a minute."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    row = AppPassword.objects.select_related("user").filter(digest=digest(secret)).first()
    if row is None or not row.user.is_active:
        return None
    if username is not None and not _same_name(row.user, username):
        return None
    if row.last_used_at is None or now - row.last_used_at > WINDOW:
        AppPassword.objects.filter(pk=row.pk).update(last_used_at=now)
    # Which password this request came with: the rate limit and the edit token use it.
    setattr(row.user, "app_password_id", row.pk)  # noqa: B010 (not a model field)
    setattr(row.user, "app_password_digest", row.digest)  # noqa: B010
    return row.user


def _same_name(user, given: str) -> bool:
    # Reader apps call the field "Email" (Google Reader) or "username" (Miniflux): both
    # the account name and its email address are accepted.
    given = given.strip().casefold()
    names = {user.get_username().casefold()}
    if user.email:
        names.add(user.email.casefold())
    return given in names


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(name, password) from an ``Authorization: Basic`` header, None when malformed."""
    scheme, _sp, value = header.partition(" ")
    if scheme.lower() != "basic" or not value or len(value) > 1000:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    name, colon, password = decoded.partition(":")
    return (name, password) if colon else None


def edit_token(user) -> str:
    """The ``T`` token of Google Reader POSTs (FreshRSS answers 57 characters ending in
    "Z"): an HMAC of the app password in use, so revoking the password voids it."""
    message = f"greader-token\0{getattr(user, 'app_password_digest', '')}".encode()
    mac = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return mac[:56] + "Z"


def token_ok(user, token: str) -> bool:
    return hmac.compare_digest(edit_token(user), token.strip())


@dataclass(frozen=True)
class Limit:
    allowed: bool
    retry_after: int  # seconds until the window ends


def hit(key: str, limit: int, now: datetime, count: bool = True) -> Limit:
    """Count one request under ``key`` in the current minute; refused past ``limit``.
    ``count=False`` only looks (a login that has not failed yet)."""
    key = key[:80]
    row = RequestWindow.objects.filter(key=key).first()
    if row is None or now - row.started_at >= WINDOW:
        if count:
            _restart(key, now)
        return Limit(True, 0)
    retry = max(1, int((row.started_at + WINDOW - now).total_seconds()) + 1)
    if row.count >= limit:
        return Limit(False, retry)
    if count:
        RequestWindow.objects.filter(pk=row.pk).update(count=F("count") + 1)
    return Limit(True, 0)


def _restart(key: str, now: datetime) -> None:
    try:
        with transaction.atomic():
            RequestWindow.objects.update_or_create(
                key=key, defaults={"started_at": now, "count": 1}
            )
    except IntegrityError:  # another process opened the window first: count in it
        RequestWindow.objects.filter(key=key).update(count=F("count") + 1)


def forget_old(now: datetime) -> None:
    RequestWindow.objects.filter(started_at__lt=now - WINDOW * 5).delete()
