"""Who owns a signing key: the general way, for every shape of ``keyId`` the fediverse uses.

Most servers (Mastodon, Misskey, Pleroma/Akkoma, Pixelfed, PeerTube, Lemmy, WordPress,
Takahē) sign with ``<actor>#main-key``: fetching the key id without its fragment gives the
actor itself, whose ``publicKey.id`` is the key id. GoToSocial signs with a *path*,
``<actor>/main-key``, which serves a stub of the actor (or a bare Key) naming its ``owner``.
So the resolution is the same for all of them:

1. fetch the key id (without fragment); the document must publish a key whose id is the
   key id, either as its ``publicKey`` (an actor or actor stub) or as itself (a Key);
2. the key's ``owner`` (else the document's own id) is the actor, on the key's origin;
3. unless the document fetched *was* the owner's (the fragment case), fetch the owner and
   check that its own ``publicKey`` lists the same key id with the same PEM: a key document
   cannot adopt an actor that does not claim it.

The fetching is passed in (``fetch``), so the rule is tested without a network and the same
code runs in the inbox stage (many keys at once) and for signed GETs (one, bounded).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from florilege.federation.models import RemoteActor
from florilege.federation.services.actors import (
    MAX_ACTOR_BYTES,
    Signer,
    delivery_policy,
    instance_signer,
    signed_get,
    store_actor,
)
from florilege.federation.signatures import same_origin
from florilege.lib.http import FetchError, GuardedClient

Fetch = Callable[[str], Awaitable[dict[str, Any]]]


class KeyResolutionError(Exception):
    """The key id does not lead to an actor that claims the key (detail for the log)."""


@dataclass(frozen=True)
class ResolvedKey:
    key_id: str
    owner: str
    public_key_pem: str
    actor_doc: dict[str, Any]


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _id(value: Any) -> str:
    return _str(value.get("id")) if isinstance(value, dict) else _str(value)


def published_key(doc: dict[str, Any], key_id: str) -> dict[str, Any] | None:
    """The key ``key_id`` as ``doc`` publishes it: one of its ``publicKey`` entries, or the
    document itself when it is a Key. Its PEM must be there; None otherwise."""
    if _str(doc.get("id")) == key_id and isinstance(doc.get("publicKeyPem"), str):
        return doc
    keys = doc.get("publicKey")
    for key in keys if isinstance(keys, list) else [keys]:
        if (
            isinstance(key, dict)
            and _str(key.get("id")) == key_id
            and isinstance(key.get("publicKeyPem"), str)
        ):
            return key
    return None


async def resolve_key(key_id: str, fetch: Fetch) -> ResolvedKey:
    """The actor owning ``key_id`` and its key, following the rule in this module's doc.
    Raises :class:`KeyResolutionError` or :class:`FetchError`."""
    url = key_id.split("#", 1)[0]
    doc = await fetch(url)
    key = published_key(doc, key_id)
    if key is None:
        raise KeyResolutionError(f"{url} does not publish the key {key_id}.")
    owner = _id(key.get("owner")) or (_str(doc.get("id")) if key is not doc else "")
    if not owner or not same_origin(owner, key_id):
        raise KeyResolutionError(f"The key {key_id} names no owner on its own server.")
    pem = key["publicKeyPem"]
    if owner == url and _str(doc.get("id")) == owner:
        # The fragment case: what we fetched is the owner's own document.
        return ResolvedKey(key_id, owner, pem, doc)
    actor = await fetch(owner)
    if _str(actor.get("id")) != owner:
        raise KeyResolutionError(f"The document at {owner} describes another actor.")
    claimed = published_key(actor, key_id)
    if claimed is None or claimed["publicKeyPem"].strip() != pem.strip():
        raise KeyResolutionError(f"The actor {owner} does not list the key {key_id}.")
    return ResolvedKey(key_id, owner, pem, actor)


def cached_actor(key_id: str) -> RemoteActor | None:
    """The actor whose key ``key_id`` we already hold (the cache is the RemoteActor row)."""
    return RemoteActor.objects.filter(key_id=key_id).exclude(public_key_pem="").first()


def store_resolved(resolved: ResolvedKey, now: datetime) -> RemoteActor:
    return store_actor(resolved.owner, resolved.actor_doc, now, key_id=resolved.key_id)


def key_fetch_policy(timeout: float) -> Any:
    cfg = settings.CONFIG
    return replace(
        delivery_policy(),
        max_bytes=MAX_ACTOR_BYTES,
        timeout=timeout,
        connect_timeout=min(timeout, 5.0),
        per_host=max(1, cfg.FEDERATION_KEY_FETCHES_PER_HOST),
    )


async def resolve_many(
    key_ids: list[str], now: datetime, timeout: float, signer: Signer
) -> dict[str, ResolvedKey | Exception]:
    """Resolve several key ids at once; the client holds at most
    ``FEDERATION_KEY_FETCHES_PER_HOST`` requests to one host, so a slow server holds only
    its own slots. Each resolution (up to two fetches) has ``timeout`` seconds. No database
    access here: ``signer`` is loaded by the caller, outside the event loop."""

    async with GuardedClient(key_fetch_policy(timeout), max_origins=256) as client:

        async def fetch(url: str) -> dict[str, Any]:
            return await signed_get(client, url, now, signer)

        async def one(key_id: str) -> ResolvedKey | Exception:
            try:
                async with asyncio.timeout(timeout):
                    return await resolve_key(key_id, fetch)
            except TimeoutError:
                return FetchError("timeout", f"No key from {key_id} within {timeout:g} s.")
            except (KeyResolutionError, FetchError) as exc:
                return exc

        results = await asyncio.gather(*(one(k) for k in key_ids))
    return dict(zip(key_ids, results, strict=True))


def resolve_and_store(
    key_ids: list[str], now: datetime, timeout: float
) -> dict[str, RemoteActor | Exception]:
    """Resolve ``key_ids`` (concurrently) and store each owner: the inbox stage's step."""
    if not key_ids:
        return {}
    signer = instance_signer()
    results = asyncio.run(resolve_many(key_ids, now, timeout, signer))
    stored: dict[str, RemoteActor | Exception] = {}
    for key_id, result in results.items():
        stored[key_id] = result if isinstance(result, Exception) else store_resolved(result, now)
    return stored


# --- inside a request: bounded --------------------------------------------------------------

# A signed GET (authorized fetch) cannot be answered later, so its unknown key is fetched
# in the request, but never by more than a few threads at once, one per host, each within
# SYNC_TIMEOUT: a slow or hostile key server cannot hold the web threads.
SYNC_TIMEOUT = 1.5
SYNC_MAX_TOTAL = 4
_sync_lock = threading.Lock()
_sync_hosts: dict[str, int] = {}


def _take_slot(host: str) -> bool:
    with _sync_lock:
        if sum(_sync_hosts.values()) >= SYNC_MAX_TOTAL or _sync_hosts.get(host, 0) >= 1:
            return False
        _sync_hosts[host] = _sync_hosts.get(host, 0) + 1
        return True


def _free_slot(host: str) -> None:
    with _sync_lock:
        _sync_hosts[host] -= 1
        if not _sync_hosts[host]:
            del _sync_hosts[host]


def resolve_now(key_id: str, now: datetime) -> RemoteActor:
    """Resolve and store one key inside a request, within the bounds above; raises
    :class:`KeyResolutionError` (also when no slot is free) or :class:`FetchError`."""
    host = (urlsplit(key_id).hostname or "").lower()
    if not _take_slot(host):
        raise KeyResolutionError(f"Too many key fetches in progress; {key_id} not fetched.")
    try:
        result = resolve_and_store([key_id], now, SYNC_TIMEOUT)[key_id]
    finally:
        _free_slot(host)
    if isinstance(result, Exception):
        raise result
    return result
