"""Our actors (one per topic, curator, and the instance) and their keys; remote actors
fetched, with signed GETs, and cached."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from florilege.federation import ids
from florilege.federation.activities import ACTIVITY_JSON
from florilege.federation.models import LocalActor, RemoteActor
from florilege.federation.signatures import (
    generate_key_pair,
    load_private_key,
    same_origin,
    sign_request,
)
from florilege.lib.fetching import policy_from_settings
from florilege.lib.http import FetchError, GuardedClient
from florilege.lib.urls import is_http_url
from florilege.topics.models import Topic

log = logging.getLogger("florilege.federation")
ACCEPT = f'{ACTIVITY_JSON}, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
# A remote actor document larger than this is not an actor.
MAX_ACTOR_BYTES = 512 * 1024


def _get_or_create(kind: str, username: str, **links: Any) -> LocalActor:
    actor = LocalActor.objects.filter(kind=kind, username=username).first()
    if actor is not None:
        return actor
    try:
        with transaction.atomic():
            return LocalActor.objects.create(kind=kind, username=username, **links)
    except IntegrityError:  # created by a concurrent request
        return LocalActor.objects.get(kind=kind, username=username)


def topic_actor(topic: Topic) -> LocalActor:
    return _get_or_create(LocalActor.Kind.TOPIC, topic.slug, topic=topic)


def curator_actor(user: Any) -> LocalActor:
    return _get_or_create(LocalActor.Kind.CURATOR, user.get_username(), user=user)


def instance_actor() -> LocalActor:
    return _get_or_create(LocalActor.Kind.INSTANCE, "instance")


def ensure_keys(actor: LocalActor) -> LocalActor:
    """Give ``actor`` its RSA key pair the first time it is needed (never in ``save()``)."""
    if actor.private_key_pem:
        return actor
    private, public = generate_key_pair()
    # Conditional: two workers racing keep the first key, never a mix of two.
    LocalActor.objects.filter(pk=actor.pk, private_key_pem="").update(
        private_key_pem=private, public_key_pem=public
    )
    actor.refresh_from_db(fields=["private_key_pem", "public_key_pem"])
    return actor


def actor_uri(actor: LocalActor) -> str:
    if actor.kind == LocalActor.Kind.TOPIC:
        return ids.topic_actor(actor.username)
    if actor.kind == LocalActor.Kind.CURATOR:
        return ids.curator_actor(actor.username)
    return ids.instance_actor()


def local_actor_for_uri(uri: object) -> LocalActor | None:
    """Our actor at ``uri``, if the topic or curator exists (and the topic is public)."""
    found = ids.actor_from_uri(uri)
    if found is None:
        return None
    kind, name = found
    if kind == "topic":
        topic = Topic.objects.filter(slug=name, is_public=True).first()
        return topic_actor(topic) if topic else None
    if kind == "curator":
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        return curator_actor(user) if user else None
    return instance_actor()


# --- remote actors --------------------------------------------------------------------------


def delivery_policy():
    return policy_from_settings()


Signer = tuple[str, Any]  # (key id, private key)


def instance_signer() -> Signer:
    actor = ensure_keys(instance_actor())
    return ids.key_id(ids.instance_actor()), load_private_key(actor.private_key_pem)


async def signed_get(
    client: GuardedClient, url: str, now: datetime, signer: Signer
) -> dict[str, Any]:
    """GET an ActivityPub document, signed by the instance actor: servers with authorized
    fetch (and bovine) refuse unsigned GETs, so ours are always signed."""
    headers = sign_request(
        "GET", url, key_id=signer[0], private_key=signer[1], now=now, headers={"Accept": ACCEPT}
    )
    headers.pop("Host", None)  # httpx sends the same value itself
    response = await client.get(url, headers)
    if response.status != 200:
        raise FetchError("status", f"{url} answered {response.status}.")
    if len(response.content) > MAX_ACTOR_BYTES:
        raise FetchError("too_large", f"{url} is too large for an actor.")
    try:
        doc = json.loads(response.content)
    except ValueError as exc:
        raise FetchError("parse", f"{url} is not JSON.") from exc
    if not isinstance(doc, dict):
        raise FetchError("parse", f"{url} is not a JSON object.")
    return doc


def _public_key(doc: dict[str, Any], key_id: str = "") -> tuple[str, str]:
    """(id, PEM) of the actor's key ``key_id``, else of its first key."""
    keys = doc.get("publicKey")
    if isinstance(keys, dict):
        keys = [keys]
    found = [
        (str(key.get("id", "")), key["publicKeyPem"])
        for key in (keys if isinstance(keys, list) else [])
        if isinstance(key, dict) and isinstance(key.get("publicKeyPem"), str)
    ]
    for pair in found:
        if pair[0] == key_id:
            return pair
    return found[0] if found else ("", "")


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def http_url(value: Any) -> str:
    """``value`` if it is an http(s) URL (a ``javascript:`` or ``data:`` URL in a remote
    document would otherwise end up in an ``href``), else ""."""
    if isinstance(value, dict):
        value = value.get("href")
    value = _str(value).strip()
    return value if is_http_url(value) else ""


def store_actor(uri: str, doc: dict[str, Any], now: datetime, *, key_id: str = "") -> RemoteActor:
    """Upsert the actor document fetched from ``uri`` (whose id must be that URI). With
    ``key_id``, that key (already checked to be the actor's) is the one kept."""
    if doc.get("id") != uri:
        raise FetchError("mismatch", f"The document at {uri} describes another actor.")
    key_id, pem = _public_key(doc, key_id)
    if key_id and not same_origin(key_id, uri):
        # Keys are looked up by id: a document must not claim a key of another server.
        key_id, pem = "", ""
    endpoints = doc.get("endpoints")
    if not isinstance(endpoints, dict):
        endpoints = {}
    fields = {
        "domain": (urlsplit(uri).hostname or "").lower(),
        "username": _str(doc.get("preferredUsername"))[:255],
        "name": _str(doc.get("name"))[:255],
        "url": http_url(doc.get("url"))[:2000],
        "inbox": http_url(doc.get("inbox"))[:2000],
        "shared_inbox": http_url(endpoints.get("sharedInbox"))[:2000],
        "outbox": http_url(doc.get("outbox"))[:2000],
        "key_id": key_id[:2000],
        "public_key_pem": pem,
        "fetched_at": now,
    }
    actor, _ = RemoteActor.objects.update_or_create(uri=uri, defaults=fields)
    return actor


def fetch_actor(uri: str, now: datetime | None = None) -> RemoteActor:
    """Fetch (signed) and store the actor at ``uri``; raises FetchError."""
    now = now or timezone.now()
    policy = replace(delivery_policy(), max_bytes=MAX_ACTOR_BYTES)
    signer = instance_signer()

    async def go() -> dict[str, Any]:
        async with GuardedClient(policy) as client:
            return await signed_get(client, uri, now, signer)

    doc = asyncio.run(go())
    return store_actor(uri, doc, now)


def remote_actor(uri: str, *, refresh: bool = False) -> RemoteActor:
    """The cached actor at ``uri``, fetched when unknown (or when ``refresh``)."""
    if not refresh:
        cached = RemoteActor.objects.filter(uri=uri).first()
        if cached is not None and cached.public_key_pem:
            return cached
    return fetch_actor(uri)
