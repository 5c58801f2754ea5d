"""WebSub (W3C, formerly PubSubHubbub) subscriber: the pure parts.

Signatures on pushed content, the callback token, the subscription form, and when to
(re)subscribe. A leaf module: no Django, no network; the clock is passed in.

States of a source's subscription (``Source.websub_state``):

``""``
    never asked (or the hub changed): subscribe.
``"requested"``
    the hub accepted our request; waiting for its intent-verification GET until
    ``websub_expires_at`` (a deadline), after which the attempt counts as failed for good.
``"verified"``
    the hub confirmed; ``websub_expires_at`` is the end of the lease, renewed a day before.
``"denied"``
    the hub refused; never asked again (polling goes on).
``"failed"``
    the request failed. With ``websub_expires_at`` set, one retry is due then; without, we
    gave up (polling goes on). Two attempts in all, without a counter column.
``"stopping"``
    no topic follows the source any more, or it was disabled: we asked the hub to stop.
    Pushes get 410 Gone meanwhile; at the hub's verification, or at ``websub_expires_at``
    if it never comes, the secret is dropped and the state goes back to ``""``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

NONE, REQUESTED, VERIFIED, DENIED, FAILED = "", "requested", "verified", "denied", "failed"
UNSUBSCRIBING = "stopping"  # we asked the hub to stop (the column holds 12 characters)

# The lease we ask for; hubs choose their own and tell us in the verification.
REQUESTED_LEASE = timedelta(days=10)
# Renew this long before the lease ends, so one missed worker cycle does not drop pushes.
RENEW_MARGIN = timedelta(days=1)
# How long a hub that accepted our request has to verify it.
VERIFY_WINDOW = timedelta(days=1)
# After a first failure, wait this long before the one retry.
RETRY_DELAY = timedelta(days=1)
# While pushes arrive, polling is only the safety net: at most this often.
POLL_INTERVAL_WHEN_PUSHED = timedelta(hours=6)
# Bounds applied to the lease a hub grants: a zero or absurd lease must not make us
# renew every cycle or never.
MIN_LEASE = timedelta(minutes=5)
MAX_LEASE = timedelta(days=365)

# Digest names the spec allows in X-Hub-Signature; sha1 is weak but still what most hubs send.
SIGNATURE_METHODS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


def signature_valid(secret: str, body: bytes, header: str) -> bool:
    """True when ``header`` (``method=hexdigest``) is the HMAC of ``body`` under ``secret``."""
    if not secret or not header:
        return False
    method, _, digest = header.strip().partition("=")
    algorithm = SIGNATURE_METHODS.get(method.strip().lower())
    if algorithm is None or not digest:
        return False
    expected = hmac.new(secret.encode(), body, algorithm).hexdigest()
    # As bytes: the header may hold any latin-1 character, which compare_digest refuses in str.
    return hmac.compare_digest(expected.encode(), digest.strip().lower().encode())


def sign(secret: str, body: bytes, method: str = "sha256") -> str:
    """The header value a hub sends; for tests and for symmetry with :func:`signature_valid`."""
    digest = hmac.new(secret.encode(), body, SIGNATURE_METHODS[method]).hexdigest()
    return f"{method}={digest}"


def callback_token(key: str, source_id: int) -> str:
    """A per-source secret path segment, so callback URLs cannot be guessed or enumerated."""
    message = f"florilege.websub.callback:{source_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


def token_valid(key: str, source_id: int, token: str) -> bool:
    # Compared as bytes: compare_digest refuses str holding anything but ASCII, and the
    # token is whatever the address says.
    return hmac.compare_digest(callback_token(key, source_id).encode(), token.encode())


def subscription_form(
    mode: str,
    topic: str,
    callback: str,
    secret: str = "",
    lease: timedelta | None = REQUESTED_LEASE,
) -> dict[str, str]:
    """The ``application/x-www-form-urlencoded`` fields of a (un)subscription request."""
    if mode not in ("subscribe", "unsubscribe"):
        raise ValueError(f"unknown hub.mode {mode!r}")
    form = {"hub.mode": mode, "hub.topic": topic, "hub.callback": callback}
    if mode == "subscribe":
        if secret:
            form["hub.secret"] = secret
        if lease is not None:
            form["hub.lease_seconds"] = str(int(lease.total_seconds()))
    return form


def lease_end(raw: str | None, now: datetime) -> datetime:
    """When a lease granted as ``hub.lease_seconds=raw`` ends; a missing or bad value counts
    as the lease we asked for (the spec makes it required, some hubs forget it)."""
    try:
        seconds = timedelta(seconds=int((raw or "").strip()))
    except (ValueError, OverflowError):  # not a number, or more days than timedelta holds
        seconds = REQUESTED_LEASE
    return now + min(max(seconds, MIN_LEASE), MAX_LEASE)


class Action(Enum):
    NOTHING = "nothing"
    SUBSCRIBE = "subscribe"
    GIVE_UP = "give_up"  # a request the hub never verified: mark failed for good
    UNSUBSCRIBE = "unsubscribe"  # nobody wants the pushes any more: tell the hub
    FORGET = "forget"  # the unsubscription had its time: drop the secret, start afresh


@dataclass(frozen=True)
class Subscription:
    hub: str
    topic: str
    state: str
    expires_at: datetime | None


def decide(sub: Subscription, now: datetime, wanted: bool = True) -> Action:
    """What to do with one source's subscription now. ``wanted``: the source is enabled
    and some topic follows it."""
    if sub.state == UNSUBSCRIBING:
        # Whatever the hub did with our request, after the window the secret goes: a push
        # then gets 410 Gone, which makes any hub drop the subscription.
        if sub.expires_at is None or sub.expires_at <= now:
            return Action.FORGET
        return Action.NOTHING
    if not sub.hub or not sub.topic:
        return Action.NOTHING
    if not wanted:
        return Action.UNSUBSCRIBE if sub.state in (REQUESTED, VERIFIED) else Action.NOTHING
    if sub.state == NONE:
        return Action.SUBSCRIBE
    if sub.state == VERIFIED:
        if sub.expires_at is None or sub.expires_at - now <= RENEW_MARGIN:
            return Action.SUBSCRIBE
        return Action.NOTHING
    if sub.state == REQUESTED:
        if sub.expires_at is None or sub.expires_at <= now:
            return Action.GIVE_UP
        return Action.NOTHING
    if sub.state == FAILED:
        if sub.expires_at is not None and sub.expires_at <= now:
            return Action.SUBSCRIBE  # the one retry
        return Action.NOTHING
    return Action.NOTHING  # denied, or a state we do not know


def after_failure(previous_state: str, now: datetime) -> datetime | None:
    """``websub_expires_at`` for a failed request: a retry time after a first failure,
    None (given up) when the failed request was already the retry."""
    return None if previous_state == FAILED else now + RETRY_DELAY


def push_active(state: str, expires_at: datetime | None, now: datetime) -> bool:
    """Whether a hub currently pushes this source's updates (so polling may slow down)."""
    return state == VERIFIED and expires_at is not None and expires_at > now
