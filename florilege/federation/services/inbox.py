"""Receiving: check an inbox POST (size, blocklists, rate, signature, origins), store the
raw activity, and later process it in a worker stage.

The request path does only what deciding to accept needs; the effects (followers,
comments, counts) happen in :func:`process_cycle`, so the inbox answers 202 fast and a bug
in a handler leaves the activity stored, marked failed with its error, never lost.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from florilege.federation import activities, signatures
from florilege.federation.models import Block, InboxItem, LocalActor, RemoteActor
from florilege.federation.services.actors import remote_actor
from florilege.jobs import leases
from florilege.lib.http import FetchError

log = logging.getLogger("florilege.federation")
RATE_WINDOW = timedelta(minutes=1)
# Activities whose object the sender must own: a Create of a Note "by" another server is
# a forgery (the origin check Mastodon and the ActivityPub spec ask for).
OWNED_OBJECT = {"Create", "Update", "Delete"}


class Refused(Exception):
    """The inbox refuses the request; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Signed:
    """A request that proved who sent it."""

    actor: RemoteActor
    key_id: str


def host_of(uri: str) -> str:
    return (urlsplit(uri).hostname or "").lower()


def is_blocked(domain: str, actor_uri: str = "", local: LocalActor | None = None) -> bool:
    """Blocked site-wide, or for ``local`` (a topic or curator), by instance or by actor."""
    scope = Q(actor__isnull=True)
    if local is not None:
        scope |= Q(actor=local)
    target = Q(domain__iexact=domain) if domain else Q(pk__in=[])
    if actor_uri:
        target |= Q(actor_uri=actor_uri)
    return Block.objects.filter(scope & target).exists()


def verify_signed(
    method: str, path: str, headers: dict[str, str], body: bytes | None, now: datetime
) -> Signed:
    """Who signed this request, or :class:`Refused` (401). The key is fetched and cached;
    on a mismatch it is fetched again once, as the actor may have rotated it."""
    raw = headers.get("signature", "")
    if not raw:
        raise Refused(401, "This request is not signed (HTTP Signatures are required).")
    try:
        key_id, check = _signature_check(method, path, headers, body, now)
    except signatures.SignatureError as exc:
        raise Refused(401, str(exc)) from exc
    owner = signatures.key_owner(key_id)
    if is_blocked(host_of(owner), owner):
        raise Refused(403, "This instance or actor is blocked here.")
    for refresh in (False, True):
        try:
            actor = remote_actor(owner, refresh=refresh)
        except FetchError as exc:
            raise Refused(401, f"The signing key could not be fetched: {exc.message}") from exc
        if actor.key_id and actor.key_id != key_id:
            if refresh:
                raise Refused(401, "The keyId is not the key its actor publishes.")
            continue
        try:
            check(actor.public_key_pem)
        except signatures.SignatureError as exc:
            if refresh:
                raise Refused(401, str(exc)) from exc
            continue
        return Signed(actor, key_id)
    raise Refused(401, "The signature could not be verified.")  # pragma: no cover


def _signature_check(
    method: str, path: str, headers: dict[str, str], body: bytes | None, now: datetime
) -> tuple[str, Callable[[str], None]]:
    """(key id, a function verifying the request with a public key), for an RFC 9421
    signature when the request has one, else draft-cavage. Freshness is checked here, so a
    replay is refused before any key is fetched."""
    if "signature-input" in headers:
        parsed9421 = signatures.parse_rfc9421(headers)
        signatures.check_rfc9421_freshness(parsed9421, now)
        scheme = urlsplit(settings.BASE_URL).scheme or "https"
        target = f"{scheme}://{headers.get('host', '')}{path}"

        def check9421(pem: str) -> None:
            signatures.verify_rfc9421(method, target, headers, body, parsed9421, pem, now)

        return parsed9421.key_id, check9421
    parsed = signatures.parse_signature(headers["signature"])
    signatures.check_freshness(headers, now)

    def check_cavage(pem: str) -> None:
        signatures.verify_request(method, path, headers, body, parsed, pem, now)

    return parsed.key_id, check_cavage


def _object_id(obj: Any) -> str:
    if isinstance(obj, dict):
        return activities.text(obj, "id")
    return obj if isinstance(obj, str) else ""


def parse_activity(body: bytes) -> dict[str, Any]:
    try:
        activity = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(400, "The body is not JSON.") from exc
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        raise Refused(400, "The body is not an ActivityStreams activity.")
    if not isinstance(activity.get("actor"), str | dict):
        raise Refused(400, "The activity names no actor.")
    return activity


def check_origins(activity: dict[str, Any], signed: Signed) -> str:
    """The activity's actor must be the signer, and an owned object must be theirs."""
    actor = activity["actor"]
    actor_uri = actor.get("id") if isinstance(actor, dict) else actor
    if actor_uri != signed.actor.uri:
        raise Refused(401, "The activity's actor is not the one who signed the request.")
    if not signatures.same_origin(signatures.key_owner(signed.key_id), actor_uri):
        raise Refused(401, "The key and the actor live on different servers.")
    kind = activity["type"]
    obj = activity.get("object")
    if kind in OWNED_OBJECT:
        object_id = _object_id(obj)
        if not object_id or not signatures.same_origin(object_id, actor_uri):
            raise Refused(400, "The object does not come from the actor's server.")
        if (
            isinstance(obj, dict)
            and isinstance(obj.get("attributedTo"), str)
            and (obj["attributedTo"] != actor_uri and kind != "Delete")
        ):
            raise Refused(400, "The object is attributed to someone else.")
    activity_id = activity.get("id")
    if isinstance(activity_id, str) and not signatures.same_origin(activity_id, actor_uri):
        raise Refused(400, "The activity's id does not come from the actor's server.")
    return actor_uri


def receive(
    local: LocalActor | None,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime | None = None,
) -> InboxItem | None:
    """Accept one inbox POST: store it for processing, or raise :class:`Refused`.
    Returns None for a duplicate (an activity already stored: a redelivery)."""
    now = now or timezone.now()
    cfg = settings.CONFIG
    if len(body) > cfg.FEDERATION_INBOX_MAX_BYTES:
        raise Refused(413, "This activity is too large.")
    signed = verify_signed(method, path, headers, body, now)
    activity = parse_activity(body)
    actor_uri = check_origins(activity, signed)
    domain = host_of(actor_uri)
    if is_blocked(domain, actor_uri, local):
        raise Refused(403, "This instance or actor is blocked here.")
    recent = InboxItem.objects.filter(domain=domain, received_at__gt=now - RATE_WINDOW).count()
    if recent >= cfg.FEDERATION_INBOX_RATE:
        raise Refused(429, "Too many activities from this instance; try again later.")
    activity_id = activities.text(activity, "id")
    if activity_id and InboxItem.objects.filter(activity_id=activity_id).exists():
        return None
    return InboxItem.objects.create(
        actor=local,
        remote_uri=actor_uri,
        domain=domain,
        activity_id=activity_id[:2000],
        kind=activity["type"][:40],
        payload=activity,
        received_at=now,
    )


# --- processing ------------------------------------------------------------------------------


def lease_pending(now: datetime, limit: int) -> list[InboxItem]:
    due = InboxItem.objects.filter(status=InboxItem.Status.PENDING).order_by("received_at", "id")
    return leases.claim(due, now=now, limit=limit, owner_field=None)


def process_cycle(now: datetime | None = None, limit: int = 200) -> int:
    """Process one batch of stored activities; returns how many were handled."""
    from florilege.federation.services import handlers

    now = now or timezone.now()
    batch = lease_pending(now, limit)
    for item in batch:
        try:
            with transaction.atomic():
                handled = handlers.handle(item, now)
                item.status = InboxItem.Status.DONE if handled else InboxItem.Status.IGNORED
                item.error = ""
        except Exception as exc:
            # The activity stays stored with its error for an operator; the rest of the
            # batch still runs.
            log.exception("event=inbox_item_failed item=%s", item.pk)
            item.status = InboxItem.Status.FAILED
            item.error = f"{type(exc).__name__}: {exc}"[:500]
        item.processed_at = now
        item.leased_until = None
        item.save(update_fields=["status", "error", "processed_at", "leased_until"])
    return len(batch)
