"""Builders for the JSON we serve and send: actors, the Note of a scoop, activities.

Pure functions of their arguments (model instances are only read): no queries, no
network. Every document carries the bundled :data:`contexts.CONTEXT`.

Why a topic is a ``Person``: Mastodon puts the posts of any followed account of type
Person, Service, Group, Organization or Application in the follower's home timeline, but
it labels Service and Application accounts as bots ("automated", hidden by people who
filter bots) and treats Group as a forum that members post *into* by mention (Lemmy,
Friendica, and Mastodon's own group badge). A topic is a human-curated publication that
people follow to read, which is what Person conveys everywhere.

Why a scoop is a ``Note`` and not an ``Article``: Mastodon shows an Article as its title
and a link only (the reader must click through), while a Note's HTML content (the
title as a link, the curator's insight, the hashtags) is shown in full in the timeline,
with the image attachment below it. The insight is the point of a scoop, so Note.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypedDict

from florilege.federation import ids
from florilege.federation.contexts import CONTEXT, PUBLIC

ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def actor_document(
    *,
    uri: str,
    username: str,
    name: str,
    summary_html: str,
    url: str,
    public_key_pem: str,
    published: datetime,
    approves_followers: bool = False,
    icon_url: str = "",
    header_url: str = "",
    kind: str = "Person",
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": uri,
        "type": kind,
        "preferredUsername": username,
        "name": name,
        "summary": summary_html,
        "url": url,
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "followers": f"{uri}/followers",
        "endpoints": {"sharedInbox": ids.shared_inbox()},
        "manuallyApprovesFollowers": approves_followers,
        "discoverable": True,
        "indexable": True,
        "published": iso(published),
        "publicKey": {"id": ids.key_id(uri), "owner": uri, "publicKeyPem": public_key_pem},
    }
    if icon_url:
        doc["icon"] = {"type": "Image", "mediaType": _media_type(icon_url), "url": icon_url}
    if header_url:
        doc["image"] = {"type": "Image", "mediaType": _media_type(header_url), "url": header_url}
    return doc


def minimal_actor(uri: str, username: str, public_key_pem: str, kind: str) -> dict[str, Any]:
    """What authorized fetch serves an unsigned request: enough to verify our signatures."""
    return {
        "@context": CONTEXT,
        "id": uri,
        "type": kind,
        "preferredUsername": username,
        "inbox": f"{uri}/inbox",
        "publicKey": {"id": ids.key_id(uri), "owner": uri, "publicKeyPem": public_key_pem},
    }


def _media_type(url: str) -> str:
    lower = url.lower().split("?", 1)[0]
    for ext, kind in ((".png", "image/png"), (".gif", "image/gif"), (".webp", "image/webp"),
                      (".svg", "image/svg+xml")):  # fmt: skip
        if lower.endswith(ext):
            return kind
    return "image/jpeg"


def hashtag_name(tag: str) -> str:
    """A tag as a hashtag: words joined in CamelCase, as Mastodon users write them."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in tag).split() if w]
    return "".join(w[:1].upper() + w[1:] for w in words)


def note_for_scoop(
    scoop: Any, *, actor_uri: str, permalink: str, tag_url: Callable[[str], str]
) -> dict[str, Any]:
    """The Note a scoop is on the fediverse; ``tag_url(tag)`` is where a hashtag links."""
    tags = [(t, hashtag_name(t)) for t in scoop.tags]
    tags = [(t, name) for t, name in tags if name]
    link = html.escape(scoop.url, quote=True)
    parts = [f'<p><a href="{link}">{html.escape(scoop.title)}</a></p>', scoop.insight_html]
    if tags:
        links = " ".join(
            f'<a href="{html.escape(tag_url(t), quote=True)}" class="mention hashtag" '
            f'rel="tag">#<span>{html.escape(name)}</span></a>'
            for t, name in tags
        )
        parts.append(f"<p>{links}</p>")
    content = "".join(parts)
    note: dict[str, Any] = {
        "@context": CONTEXT,
        "id": ids.scoop_object(scoop.pk),
        "type": "Note",
        "attributedTo": actor_uri,
        "name": scoop.title,
        "content": content,
        "url": permalink,
        "published": iso(scoop.published_at),
        "to": [PUBLIC],
        "cc": [f"{actor_uri}/followers"],
        "sensitive": False,
        "tag": [{"type": "Hashtag", "href": tag_url(t), "name": f"#{name}"} for t, name in tags],
        # The scooped page itself, so clients that understand links can show a card.
        "attachment": [{"type": "Link", "href": scoop.url, "mediaType": "text/html"}],
    }
    if scoop.language:
        note["contentMap"] = {scoop.language: content}
    if scoop.updated_at and scoop.updated_at > scoop.published_at:
        note["updated"] = iso(scoop.updated_at)
    if scoop.image_url:
        note["attachment"].insert(
            0,
            {
                "type": "Image",
                "mediaType": _media_type(scoop.image_url),
                "url": scoop.image_url,
                # Alt text: the picture illustrates the linked page, whose title says what
                # it is about; better than no description for screen readers.
                "name": scoop.title,
            },
        )
    return note


def wrap(
    kind: str,
    actor_uri: str,
    obj: Any,
    *,
    now: datetime,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """An activity of ``kind`` by ``actor_uri`` about ``obj`` (a dict or an id)."""
    if isinstance(obj, dict):
        obj = {k: v for k, v in obj.items() if k != "@context"}
    activity: dict[str, Any] = {
        "@context": CONTEXT,
        "id": activity_id or ids.new_activity_id(),
        "type": kind,
        "actor": actor_uri,
        "object": obj,
        "published": iso(now),
    }
    if to is not None:
        activity["to"] = to
    if cc is not None:
        activity["cc"] = cc
    return activity


class Audience(TypedDict):
    """Who a public activity is addressed to: the keywords ``to`` and ``cc`` of :func:`wrap`."""

    to: list[str]
    cc: list[str]


def public_audience(actor_uri: str) -> Audience:
    return {"to": [PUBLIC], "cc": [f"{actor_uri}/followers"]}


def text(doc: dict[str, Any], key: str) -> str:
    """``doc[key]`` when it is a string, else "": a remote document may hold anything."""
    value = doc.get(key)
    return value if isinstance(value, str) else ""


def tombstone(object_id: str, now: datetime) -> dict[str, Any]:
    return {"id": object_id, "type": "Tombstone", "formerType": "Note", "deleted": iso(now)}


def ordered_collection(
    uri: str, total: int, first: str | None = None, items: list[Any] | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": uri,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if first is not None:
        doc["first"] = first
    if items is not None:
        doc["orderedItems"] = items
    return doc


def collection_page(
    uri: str, part_of: str, items: list[Any], next_uri: str | None, prev_uri: str | None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": uri,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    }
    if next_uri:
        doc["next"] = next_uri
    if prev_uri:
        doc["prev"] = prev_uri
    return doc
