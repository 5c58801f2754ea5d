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
from florilege.federation.services import keys
from florilege.jobs import leases
from florilege.lib.http import FetchError

log = logging.getLogger("florilege.federation")
RATE_WINDOW = timedelta(minutes=1)
# Activities whose object the sender must own: a Create of a Note "by" another server is
# a forgery (the origin check Mastodon and the ActivityPub spec ask for).
OWNED_OBJECT = {"Create", "Update", "Delete"}


# What an anonymous caller is told: the status and nothing about what we fetched or why it
# failed (the detail, which names hosts, addresses and HTTP errors, goes to the log only),
# so the inbox cannot be used to probe what a host resolves to or answers.
PUBLIC_MESSAGES = {
    400: "This activity cannot be accepted.",
    401: "The request's signature could not be verified.",
    403: "This instance or actor is blocked here.",
    413: "This activity is too large.",
    429: "Too many activities from this instance; try again later.",
}
# Deeper than this, a JSON body is not an activity (the deepest real ones nest a few
# levels): refused before anything recursive walks it.
MAX_DEPTH = 50
# Activities waiting for their signing key, all instances together: past this, new ones
# from unknown keys are refused (429, they retry) until the stage catches up.
MAX_UNVERIFIED = 10_000
# Headers kept with an activity whose signature is checked later, besides the signed ones.
_SIGNATURE_HEADERS = {"signature", "signature-input", "host", "date", "digest", "content-digest"}


class Refused(Exception):
    """The inbox refuses the request; ``status`` is the HTTP answer, ``message`` what the
    caller is told and ``detail`` what the log says."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.message = PUBLIC_MESSAGES.get(status, "Refused.")


@dataclass
class Signed:
    """A request that proved who sent it."""

    actor: RemoteActor
    key_id: str


@dataclass
class SignedRequest:
    """A signature parsed and checked as far as it can be without the key (format,
    freshness, digest); ``check(pem)`` finishes the job."""

    key_id: str
    signed_headers: tuple[str, ...]
    check: Callable[[str], None]


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


def signed_request(
    method: str, path: str, headers: dict[str, str], body: bytes | None, now: datetime
) -> SignedRequest:
    """Parse the request's signature (RFC 9421 when it has one, else draft-cavage) and
    check everything that needs no key: a replay or a wrong digest is refused before any
    key is fetched. Raises :class:`Refused` (401)."""
    if not headers.get("signature"):
        raise Refused(401, "This request is not signed (HTTP Signatures are required).")
    try:
        return _signed_request(method, path, headers, body, now)
    except signatures.SignatureError as exc:
        raise Refused(401, str(exc)) from exc


def _signed_request(
    method: str, path: str, headers: dict[str, str], body: bytes | None, now: datetime
) -> SignedRequest:
    if "signature-input" in headers:
        parsed9421 = signatures.parse_rfc9421(headers)
        signatures.check_rfc9421_freshness(parsed9421, now)
        signatures.check_content_digest(method, headers, body, parsed9421)
        scheme = urlsplit(settings.BASE_URL).scheme or "https"
        target = f"{scheme}://{headers.get('host', '')}{path}"

        def check9421(pem: str) -> None:
            signatures.verify_rfc9421(method, target, headers, body, parsed9421, pem, now)

        return SignedRequest(parsed9421.key_id, parsed9421.components, check9421)
    parsed = signatures.parse_signature(headers["signature"])
    signatures.check_freshness(headers, now)
    signatures.check_digest(method, headers, body, parsed)

    def check_cavage(pem: str) -> None:
        signatures.verify_request(method, path, headers, body, parsed, pem, now)

    return SignedRequest(parsed.key_id, parsed.headers, check_cavage)


def _checks_with(request: SignedRequest, pem: str) -> bool:
    try:
        request.check(pem)
    except signatures.SignatureError as exc:
        log.info("event=signature_mismatch key=%s reason=%s", request.key_id, exc)
        return False
    return True


def verify_signed(
    method: str, path: str, headers: dict[str, str], body: bytes | None, now: datetime
) -> Signed:
    """Who signed this request (a signed GET: it cannot wait for the worker), or
    :class:`Refused`. A key we hold is checked at once; an unknown or rotated one is
    fetched inside the request, within the bounds of :func:`keys.resolve_now`."""
    request = signed_request(method, path, headers, body, now)
    if is_blocked(host_of(request.key_id)):
        raise Refused(403, f"The key {request.key_id} is on a blocked instance.")
    cached = keys.cached_actor(request.key_id)
    if cached is not None and _checks_with(request, cached.public_key_pem):
        return Signed(cached, request.key_id)
    try:
        actor = keys.resolve_now(request.key_id, now)
    except (keys.KeyResolutionError, FetchError) as exc:
        raise Refused(401, f"The key {request.key_id} could not be resolved: {exc}") from exc
    if is_blocked(actor.domain, actor.uri) or not _checks_with(request, actor.public_key_pem):
        raise Refused(401, f"The signature by {request.key_id} does not verify.")
    return Signed(actor, request.key_id)


def _object_id(obj: Any) -> str:
    if isinstance(obj, dict):
        return activities.text(obj, "id")
    return obj if isinstance(obj, str) else ""


def _too_deep(value: Any) -> bool:
    """Nested deeper than MAX_DEPTH (walked without recursion)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_activity(body: bytes) -> dict[str, Any]:
    try:
        activity = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(400, "The body is not JSON (UTF-8).") from exc
    except RecursionError as exc:  # nested so deep the parser gives up
        raise Refused(400, "The body is nested too deeply.") from exc
    if _too_deep(activity):
        raise Refused(400, "The body is nested too deeply.")
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        raise Refused(400, "The body is not an ActivityStreams activity.")
    if not isinstance(activity.get("actor"), str | dict):
        raise Refused(400, "The activity names no actor.")
    return activity


def claimed_actor(activity: dict[str, Any]) -> str:
    actor = activity["actor"]
    uri = actor.get("id") if isinstance(actor, dict) else actor
    if not isinstance(uri, str) or not uri:
        raise Refused(400, "The activity names no actor.")
    return uri


def check_origins(activity: dict[str, Any], signed: Signed) -> str:
    """The activity's actor must be the signer, and an owned object must be theirs."""
    actor_uri = claimed_actor(activity)
    if actor_uri != signed.actor.uri:
        raise Refused(401, "The activity's actor is not the one who signed the request.")
    if not signatures.same_origin(signed.key_id, actor_uri):
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


def _already_stored(activity_id: str, exclude: int | None = None) -> bool:
    """An activity with this id was stored *verified* before: a redelivery. Unverified
    rows do not count, or a forgery sent first would shadow the genuine activity."""
    if not activity_id:
        return False
    rows = InboxItem.objects.filter(activity_id=activity_id).exclude(
        status__in=[InboxItem.Status.UNVERIFIED, InboxItem.Status.REFUSED]
    )
    return rows.exclude(pk=exclude).exists() if exclude else rows.exists()


def receive(
    local: LocalActor | None,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime | None = None,
) -> InboxItem | None:
    """Accept one inbox POST: store it for processing, or raise :class:`Refused`.
    Returns None for a duplicate (an activity already stored: a redelivery).

    Nothing here fetches anything: the cheap checks (size, signature format, date, digest,
    origins, blocklists, the per-instance rate) come first; then a key we hold is checked
    at once, and an activity signed by a key we do not hold (or no longer match) is stored
    unverified for the inbox stage to check."""
    now = now or timezone.now()
    cfg = settings.CONFIG
    if len(body) > cfg.FEDERATION_INBOX_MAX_BYTES:
        raise Refused(413, "This activity is too large.")
    request = signed_request(method, path, headers, body, now)
    activity = parse_activity(body)
    actor_uri = claimed_actor(activity)
    if not signatures.same_origin(request.key_id, actor_uri):
        raise Refused(401, "The key and the actor live on different servers.")
    domain = host_of(actor_uri)
    if is_blocked(domain, actor_uri, local):
        raise Refused(403, "This instance or actor is blocked here.")
    recent = InboxItem.objects.filter(domain=domain, received_at__gt=now - RATE_WINDOW).count()
    if recent >= cfg.FEDERATION_INBOX_RATE:
        raise Refused(429, "Too many activities from this instance; try again later.")
    activity_id = activities.text(activity, "id")
    if _already_stored(activity_id):
        return None
    item = InboxItem(
        actor=local,
        remote_uri=actor_uri[:2000],
        domain=domain,
        activity_id=activity_id[:2000],
        kind=activity["type"][:40],
        payload=activity,
        received_at=now,
        key_id=request.key_id[:2000],
    )
    cached = keys.cached_actor(request.key_id)
    if cached is not None and _checks_with(request, cached.public_key_pem):
        check_origins(activity, Signed(cached, request.key_id))
    else:
        # Unknown key, or a known one that no longer matches (rotated): checked later,
        # unless the backlog of such activities is already full (many hosts at once).
        if InboxItem.objects.filter(status=InboxItem.Status.UNVERIFIED).count() >= MAX_UNVERIFIED:
            raise Refused(429, "Too many activities waiting for their keys.")
        item.status = InboxItem.Status.UNVERIFIED
        item.path = path[:2000]
        wanted = _SIGNATURE_HEADERS | set(request.signed_headers)
        item.headers = {k: v for k, v in headers.items() if k in wanted}
        item.body = body.decode("utf-8")
    item.save()
    return item


# --- verification in the stage ---------------------------------------------------------------

# One inbox cycle fetches at most this many keys of one instance; the rest of its unverified
# activities wait for the next cycle, so a flood of new keys from one host cannot fill a
# cycle (the fetches themselves are capped per host by FEDERATION_KEY_FETCHES_PER_HOST).
KEYS_PER_HOST_PER_CYCLE = 8
KEY_FETCH_TIMEOUT = 10.0


def _verify_with(item: InboxItem, actor: RemoteActor) -> bool:
    """Check ``item``'s stored signature with ``actor``'s key; on success the item is
    pending (or ignored: a duplicate), on a refusal of its origins it is refused."""
    request = signed_request("POST", item.path, item.headers, item.body.encode(), item.received_at)
    if not _checks_with(request, actor.public_key_pem):
        return False
    try:
        item.remote_uri = check_origins(item.payload, Signed(actor, item.key_id))
        if is_blocked(item.domain, item.remote_uri, item.actor):
            raise Refused(403, "This instance or actor is blocked here.")
    except Refused as exc:
        _refuse(item, exc.detail)
        return True
    if _already_stored(item.activity_id, exclude=item.pk):
        item.status = InboxItem.Status.IGNORED
        item.error = "A redelivery of an activity already received."
    else:
        item.status = InboxItem.Status.PENDING
        # Written now, so a redelivery later in the same batch sees it as already stored.
        InboxItem.objects.filter(pk=item.pk).update(status=item.status)
    return True


def _refuse(item: InboxItem, detail: str) -> None:
    log.info("event=inbox_refused item=%s key=%s reason=%s", item.pk, item.key_id, detail)
    item.status = InboxItem.Status.REFUSED
    item.error = detail[:500]


def verify_unverified(items: list[InboxItem], now: datetime) -> None:
    """Verify the signatures of stored unverified activities, fetching the keys we lack
    (concurrently, capped per host). Each item ends pending, ignored or refused, or stays
    unverified when its instance already has enough fetches in this cycle."""
    by_key: dict[str, list[InboxItem]] = {}
    for item in items:
        try:
            signed_request("POST", item.path, item.headers, item.body.encode(), item.received_at)
        except Refused as exc:
            _refuse(item, exc.detail)
            continue
        by_key.setdefault(item.key_id, []).append(item)
    to_fetch: list[str] = []
    per_host: dict[str, int] = {}
    for key_id, group in by_key.items():
        cached = keys.cached_actor(key_id)
        left = [i for i in group if cached is None or not _verify_with(i, cached)]
        if not left:
            continue
        host = host_of(key_id)
        per_host[host] = per_host.get(host, 0) + 1
        if per_host[host] <= KEYS_PER_HOST_PER_CYCLE:
            to_fetch.append(key_id)
        by_key[key_id] = left
    resolved = keys.resolve_and_store(to_fetch, now, KEY_FETCH_TIMEOUT)
    for key_id in to_fetch:
        result = resolved[key_id]
        for item in by_key[key_id]:
            if isinstance(result, Exception):
                _refuse(item, f"The key {key_id} could not be resolved: {result}")
            elif not _verify_with(item, result):
                _refuse(item, f"The signature does not match the key {key_id}.")


# --- processing ------------------------------------------------------------------------------


def lease_pending(now: datetime, limit: int) -> list[InboxItem]:
    due = InboxItem.objects.filter(
        status__in=[InboxItem.Status.PENDING, InboxItem.Status.UNVERIFIED]
    ).order_by("received_at", "id")
    return leases.claim(due, now=now, limit=limit, owner_field=None)


def process_cycle(now: datetime | None = None, limit: int = 200) -> int:
    """Verify, then process, one batch of stored activities; returns how many were handled."""
    from florilege.federation.services import handlers

    now = now or timezone.now()
    batch = lease_pending(now, limit)
    verify_unverified([i for i in batch if i.status == InboxItem.Status.UNVERIFIED], now)
    for item in batch:
        if item.status == InboxItem.Status.UNVERIFIED:
            # Its instance had enough key fetches this cycle: next cycle.
            InboxItem.objects.filter(pk=item.pk).update(leased_until=None)
            continue
        if item.status == InboxItem.Status.PENDING:
            _handle(item, now, handlers.handle)
        item.processed_at = now
        item.leased_until = None
        item.headers, item.body = {}, ""  # checked: no longer needed
        item.save(
            update_fields=[
                "status", "error", "processed_at", "leased_until", "remote_uri", "headers", "body"
            ]
        )  # fmt: skip
    return len(batch)


def _handle(item: InboxItem, now: datetime, handle: Callable[[InboxItem, datetime], bool]) -> None:
    try:
        with transaction.atomic():
            handled = handle(item, now)
            item.status = InboxItem.Status.DONE if handled else InboxItem.Status.IGNORED
            item.error = ""
    except Exception as exc:
        # The activity stays stored with its error for an operator; the rest of the
        # batch still runs.
        log.exception("event=inbox_item_failed item=%s", item.pk)
        item.status = InboxItem.Status.FAILED
        item.error = f"{type(exc).__name__}: {exc}"[:500]
