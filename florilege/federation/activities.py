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
import posixpath
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypedDict
from urllib.parse import urlsplit

from florilege.analytics.clicks import go_url
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
        "following": f"{uri}/following",
        # Mastodon fetches both on every actor refresh and logs an error when they are
        # missing: pinned posts (none yet: an empty collection) and featured hashtags.
        "featured": f"{uri}/featured",
        "featuredTags": f"{uri}/featuredTags",
        "endpoints": {"sharedInbox": ids.shared_inbox()},
        "manuallyApprovesFollowers": approves_followers,
        "discoverable": True,
        "indexable": True,
        "published": iso(published),
        "publicKey": {"id": ids.key_id(uri), "owner": uri, "publicKeyPem": public_key_pem},
    }
    if icon := image_attachment(icon_url):
        doc["icon"] = icon
    if header := image_attachment(header_url):
        doc["image"] = header
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


# The image types every server that transcodes media accepts. SVG is refused by all of them
# (a script-capable format they will not rasterise), so it is never attached.
RASTER_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".webp": "image/webp", ".gif": "image/gif",
}  # fmt: skip
NOT_RASTER = frozenset({".svg", ".svgz", ".avif", ".heic", ".heif", ".tif", ".tiff", ".bmp",
                        ".ico", ".pdf", ".html", ".htm"})  # fmt: skip


def raster_media_type(url: str) -> str | None:
    """The raster type ``url`` names by its extension; None for SVG and other formats the
    servers refuse. An address without a known extension (``/image?id=3``, common for
    pictures a page declares) is sent as ``image/jpeg``: every server sniffs the bytes it
    downloads, the type is only a hint, and refusing those would drop most pictures."""
    if not url:
        return None
    ext = posixpath.splitext(urlsplit(url).path.lower())[1]
    if ext in NOT_RASTER:
        return None
    return RASTER_TYPES.get(ext, "image/jpeg")


def image_attachment(
    url: str, alt: str = "", width: int | None = None, height: int | None = None
) -> dict[str, Any] | None:
    """An ``Image`` for ``url``, or None when it is not a raster image."""
    media_type = raster_media_type(url)
    if media_type is None:
        return None
    image: dict[str, Any] = {"type": "Image", "mediaType": media_type, "url": url}
    if alt:
        image["name"] = alt
    if width and height:
        image["width"], image["height"] = width, height
    return image


def hashtag_name(tag: str) -> str:
    """A tag as a hashtag: words joined in CamelCase, as Mastodon users write them."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in tag).split() if w]
    return "".join(w[:1].upper() + w[1:] for w in words)


# A hashtag as Mastodon finds one in text: "#" not glued to a word, an URL or an entity,
# then word characters with at least one letter ("#2024" is not a hashtag).
_HASHTAG = re.compile(r"(?<![\w/#&;])#(\w*[^\W\d_]\w*)")
# Where hashtags are not linked: inside a link already, or code.
_SKIP_INSIDE = ("a", "code", "pre")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_ELEMENT = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)")


def _hashtag_link(href: str, name: str) -> str:
    # The markup Mastodon itself sends: its web client turns such links into local
    # hashtag timelines, and strips nothing of it when sanitising.
    return (
        f'<a href="{html.escape(href, quote=True)}" class="mention hashtag" '
        f'rel="tag">#<span>{html.escape(name)}</span></a>'
    )


def link_hashtags(fragment: str, href: Callable[[str], str]) -> tuple[str, list[str]]:
    """``fragment`` (sanitised HTML) with each ``#word`` of its text made a hashtag link to
    ``href(word)``, and the words found, in order, each once (case-insensitively)."""
    found: dict[str, str] = {}
    depth = 0
    out: list[str] = []
    for part in _TAG_OR_TEXT.split(fragment):
        if part.startswith("<"):
            element = _ELEMENT.match(part)
            name = element.group(1).lower() if element else ""
            if name in _SKIP_INSIDE and not part.endswith("/>"):
                depth += -1 if part.startswith("</") else 1
                depth = max(depth, 0)
            out.append(part)
        elif depth:
            out.append(part)
        else:

            def replace(match: re.Match[str]) -> str:
                word = match.group(1)
                found.setdefault(word.casefold(), word)
                return _hashtag_link(href(word), word)

            out.append(_HASHTAG.sub(replace, part))
    return "".join(out), list(found.values())


# Our copy of a scoop's picture, as attached: its absolute address, width and height.
Picture = tuple[str, int, int]


def note_for_scoop(
    scoop: Any,
    *,
    actor_uri: str,
    permalink: str,
    tag_url: Callable[[str], str],
    hashtag_url: Callable[[str], str],
    picture: Picture | None = None,
) -> dict[str, Any]:
    """The Note a scoop is on the fediverse, with ``picture`` (our JPEG copy of its picture:
    address, width, height) attached when it is made. ``tag_url(tag)`` is the page of one of the
    scoop's tags; ``hashtag_url(word)`` where a ``#word`` of the insight links.

    No ``name`` and no ``summary``: a Note has no title, and Mastodon, GoToSocial, Misskey
    and Pleroma all show either of them as a content warning that hides the post. The title
    is the first line of the content, linked to the scooped page. The page is not an
    attachment either: GoToSocial refuses a ``Link`` attachment ("incorrect attachment
    type"), Takahē shows it as an empty download."""
    own = [(hashtag_name(t), tag_url(t)) for t in scoop.tags]
    own = [(name, href) for name, href in own if name]
    by_name = {name.casefold(): href for name, href in own}
    insight, words = link_hashtags(
        scoop.insight_html, lambda w: by_name.get(w.casefold()) or hashtag_url(w)
    )
    link = html.escape(go_url(scoop.pk, "fediverse"), quote=True)
    parts = [f'<p><a href="{link}">{html.escape(scoop.title)}</a></p>', insight]
    if own:
        parts.append("<p>" + " ".join(_hashtag_link(href, name) for name, href in own) + "</p>")
    content = "".join(parts)
    tags: dict[str, dict[str, str]] = {}
    for name, href in own:
        tags.setdefault(name.casefold(), {"type": "Hashtag", "href": href, "name": f"#{name}"})
    for word in words:
        href = by_name.get(word.casefold()) or hashtag_url(word)
        tags.setdefault(word.casefold(), {"type": "Hashtag", "href": href, "name": f"#{word}"})
    note: dict[str, Any] = {
        "@context": CONTEXT,
        "id": ids.scoop_object(scoop.pk),
        "type": "Note",
        "attributedTo": actor_uri,
        "content": content,
        "url": permalink,
        "published": iso(scoop.published_at),
        "to": [PUBLIC],
        "cc": [f"{actor_uri}/followers"],
        "sensitive": False,
        "tag": list(tags.values()),
        "attachment": [],
    }
    if scoop.language:
        note["contentMap"] = {scoop.language: content}
    if scoop.updated_at and scoop.updated_at > scoop.published_at:
        note["updated"] = iso(scoop.updated_at)
    # Alt text: the picture illustrates the linked page, whose title says what it is
    # about; better than no description for screen readers.
    image = image_attachment(picture[0], alt=scoop.title, width=picture[1],
                             height=picture[2]) if picture else None  # fmt: skip
    if image:
        note["attachment"].append(image)
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
