"""Signed links in emails. Django's signing (HMAC with the secret key and a per-purpose
salt) makes them unforgeable; a confirmation link also expires."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from florilege.publishing.models import Subscriber

CONFIRM_SALT = "florilege.publishing.follow.confirm"
UNSUBSCRIBE_SALT = "florilege.publishing.follow.unsubscribe"
CONFIRM_MAX_AGE = timedelta(days=3)


def absolute(path: str) -> str:
    return settings.BASE_URL + path


def confirm_token(subscriber: Subscriber) -> str:
    # The address is signed too: a link sent to an old address of a reused row is void.
    # The issue time is in the signed payload, so expiry is decided with a clock passed in.
    issued = int((subscriber.confirmation_sent_at or subscriber.created_at).timestamp())
    payload = [subscriber.pk, subscriber.email, issued]
    return signing.dumps(payload, salt=CONFIRM_SALT, compress=True)


def unsubscribe_token(subscriber: Subscriber) -> str:
    # No expiry: an unsubscribe link in a year-old digest must still work.
    return signing.dumps([subscriber.pk, subscriber.email], salt=UNSUBSCRIBE_SALT, compress=True)


def confirm_url(subscriber: Subscriber) -> str:
    return absolute(reverse("publishing:follow_confirm", args=[confirm_token(subscriber)]))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute(reverse("publishing:unsubscribe", args=[unsubscribe_token(subscriber)]))


def _payload(token: str, salt: str) -> list | None:
    try:
        payload = signing.loads(token, salt=salt)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return payload if isinstance(payload, list) and len(payload) >= 2 else None


def confirming(token: str, now: datetime) -> Subscriber | None:
    """The subscriber a confirmation token names, or None if forged, altered or expired."""
    payload = _payload(token, CONFIRM_SALT)
    if payload is None or len(payload) != 3 or not isinstance(payload[2], int):
        return None
    if now.timestamp() - payload[2] > CONFIRM_MAX_AGE.total_seconds():
        return None
    return _subscriber(payload[0], payload[1])


def unsubscribing(token: str) -> Subscriber | None:
    """The subscriber an unsubscribe token names, or None if forged or altered."""
    payload = _payload(token, UNSUBSCRIBE_SALT)
    return None if payload is None else _subscriber(payload[0], payload[1])


def _subscriber(pk: object, email: object) -> Subscriber | None:
    if not isinstance(pk, int) or not isinstance(email, str):
        return None
    return Subscriber.objects.select_related("topic").filter(pk=pk, email=email).first()
