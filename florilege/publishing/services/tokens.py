"""Signed links in emails. Django's signing (HMAC with the secret key and a per-purpose
salt) makes them unforgeable; a confirmation link also expires."""

from __future__ import annotations

from datetime import timedelta

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
    return signing.dumps([subscriber.pk, subscriber.email], salt=CONFIRM_SALT, compress=True)


def unsubscribe_token(subscriber: Subscriber) -> str:
    # No expiry: an unsubscribe link in a year-old digest must still work.
    return signing.dumps([subscriber.pk, subscriber.email], salt=UNSUBSCRIBE_SALT, compress=True)


def confirm_url(subscriber: Subscriber) -> str:
    return absolute(reverse("publishing:follow_confirm", args=[confirm_token(subscriber)]))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute(reverse("publishing:unsubscribe", args=[unsubscribe_token(subscriber)]))


def subscriber_from(
    token: str, *, salt: str, max_age: timedelta | None = None
) -> Subscriber | None:
    """The subscriber a token names, or None for a forged, altered or expired token."""
    try:
        pk, email = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Subscriber.objects.select_related("topic").filter(pk=pk, email=email).first()
