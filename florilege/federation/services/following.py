"""The fediverse as a source: a topic follows a remote account, whose public posts arrive
over ActivityPub as entries of a Source, then as suggestions like any feed item; edits
and deletions of those posts follow them; the topic can unfollow.

No new Source kind. The account's Source is the feed its server advertises on the
account's page (``<link rel="alternate" type="application/rss+xml">``: Mastodon's
``/@name.rss``, GoToSocial's ``/@name/feed.rss``, Takahē's ``/@name/rss/``), polled as
usual and also pushed to over ActivityPub; never a guessed address (GoToSocial answers
404 to Mastodon's). Without one, it is a Source at the actor's URL that is never polled
(disabled, the reason saying posts arrive by ActivityPub), filled at once with the
recent public posts of the actor's outbox (a signed GET) and then by what the account
sends. A hashtag needs no follow at all: ``sources.profiles`` maps an instance's tag page
to its public tag feed.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from florilege.federation import activities
from florilege.federation.contexts import PUBLIC
from florilege.federation.models import FollowedPost, RemoteActor, RemoteFollow
from florilege.federation.services.actors import (
    Signer,
    actor_uri,
    delivery_policy,
    fetch_actor,
    instance_signer,
    signed_get,
    topic_actor,
)
from florilege.federation.services.outbox import send
from florilege.lib.fetching import fetch_one
from florilege.lib.html import title_for_post
from florilege.lib.http import FetchError, GuardedClient
from florilege.lib.urls import is_http_url
from florilege.sources.discovery import find_feed_links
from florilege.sources.models import Entry, Source
from florilege.sources.parsing.model import ParsedEntry, ParsedFeed
from florilege.sources.services.ingest import FEED_META_FIELDS, store_feed
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic, TopicSource
from florilege.topics.services import require_curator

_ACCOUNT = re.compile(r"^@?([\w.-]+)@([\w.-]+\.[a-z0-9-]+(?::\d+)?)$", re.IGNORECASE)
# Reading the account's page and outbox when following: a curator waits for it.
DISCOVERY_TIMEOUT = 5.0
# Recent posts of the outbox stored when following an account without a feed.
OUTBOX_POSTS = 20
_FEED_TYPES = {"application/rss+xml", "application/atom+xml"}


def _webfinger_links(host: str, resource: str) -> list[dict[str, Any]]:
    for scheme in ("https", "http"):
        url = f"{scheme}://{host}/.well-known/webfinger?" + urlencode({"resource": resource})
        try:
            response = fetch_one(url, {"Accept": "application/jrd+json, application/json"})
        except FetchError:
            continue
        if response.status != 200:
            continue
        try:
            doc = json.loads(response.content)
        except ValueError:
            continue
        links = doc.get("links") if isinstance(doc, dict) else None
        return [link for link in links or [] if isinstance(link, dict)]
    return []


def resolve_account(address: str) -> str:
    """The actor URL of ``@name@host`` (WebFinger) or of a URL given directly."""
    address = address.strip()
    if address.startswith(("http://", "https://")):
        return address
    match = _ACCOUNT.match(address)
    if match is None:
        raise ValidationError(_("Give an account as @name@instance.example or its address."))
    for link in _webfinger_links(match.group(2), f"acct:{match.group(1)}@{match.group(2)}"):
        if link.get("rel") == "self" and "json" in str(link.get("type", "")):
            return str(link.get("href", ""))
    raise ValidationError(_("This account could not be found on its instance."))


# --- what the account's server offers: its advertised feed, else its outbox ------------------


def _same_server(url: str, remote: RemoteActor) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return is_http_url(url) and host in {remote.domain, (urlsplit(remote.url).hostname or "")}


async def _advertised_feed(client: GuardedClient, remote: RemoteActor) -> str:
    """The RSS or Atom feed the account's page links to, on the account's own server."""
    if not remote.url:
        return ""
    try:
        response = await client.get(remote.url, {"Accept": "text/html"})
    except FetchError:
        return ""
    if response.status != 200 or "html" not in response.content_type:
        return ""
    for link in find_feed_links(response.content, remote.url):
        if link.type in _FEED_TYPES and _same_server(link.url, remote):
            return link.url
    return ""


async def _outbox_posts(
    client: GuardedClient, remote: RemoteActor, now: datetime, signer: Signer
) -> list[dict]:
    """The recent posts of the actor's outbox (its first page, signed as our instance
    actor): Creates whose object is embedded and is the actor's own."""
    if not remote.outbox or not _same_server(remote.outbox, remote):
        return []
    try:
        page = await signed_get(client, remote.outbox, now, signer)
        first = page.get("first")
        if isinstance(first, str) and _same_server(first, remote):
            page = await signed_get(client, first, now, signer)
        elif isinstance(first, dict):
            page = first
    except FetchError:
        return []
    items = page.get("orderedItems", page.get("items"))
    posts = []
    for item in items if isinstance(items, list) else []:
        # Some servers (bovine) list activities by id only: those are not read one by one;
        # the account's next posts arrive by push anyway.
        if not isinstance(item, dict):
            continue
        obj = item.get("object")
        if item.get("type") == "Create" and isinstance(obj, dict) and _owned(obj, remote.uri):
            posts.append(obj)
    return posts[:OUTBOX_POSTS]


def _owned(obj: dict[str, Any], author: str) -> bool:
    """A post of ``author``: a Note, Article or Page on the author's server, attributed to
    them (a forged post in someone's outbox is not theirs)."""
    object_id = activities.text(obj, "id")
    return (
        obj.get("type") in {"Note", "Article", "Page"}
        and obj.get("attributedTo", author) == author
        and bool(object_id)
        and urlsplit(object_id).netloc == urlsplit(author).netloc
    )


def _discover(remote: RemoteActor, now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """(the advertised feed, or ""; the outbox's recent posts when there is no feed)."""
    policy = replace(delivery_policy(), timeout=DISCOVERY_TIMEOUT)
    signer = instance_signer()  # a database read: not inside the event loop

    async def go() -> tuple[str, list[dict[str, Any]]]:
        async with GuardedClient(policy) as client:
            feed = await _advertised_feed(client, remote)
            return feed, [] if feed else await _outbox_posts(client, remote, now, signer)

    return asyncio.run(go())


def _source_for(remote: RemoteActor, feed: str) -> Source:
    if feed:
        source, _ = Source.objects.get_or_create(url=feed[:2000])
        return source
    source, _ = Source.objects.get_or_create(
        url=remote.uri[:2000],
        defaults={
            "title": (remote.name or remote.username)[:300],
            "site_url": remote.url[:2000],
            "enabled": False,
            "disabled_reason": "Posts arrive over ActivityPub: this address is not polled.",
            "feed_format": "activitypub",
        },
    )
    return source


# --- following and unfollowing ---------------------------------------------------------------


def follow_account(user: Any, topic: Topic, address: str, now: datetime) -> RemoteFollow:
    """Follow an account: a Follow with a new id each time (following again after an
    unfollow, or after a refusal, is a new request the server answers anew)."""
    require_curator(user, topic)
    uri = resolve_account(address)
    try:
        remote = fetch_actor(uri, now)
    except FetchError as exc:
        raise ValidationError(_("The account could not be fetched: %s") % exc.message) from exc
    if not remote.inbox:
        raise ValidationError(_("This account has no inbox: it cannot be followed."))
    actor = topic_actor(topic)
    existing = RemoteFollow.objects.filter(actor=actor, remote=remote).first()
    if existing is not None and existing.status == RemoteFollow.Status.ACCEPTED:
        raise ValidationError(_("This topic already follows this account."))
    feed, posts = _discover(remote, now)
    follow = activities.wrap("Follow", actor_uri(actor), remote.uri, now=now, to=[remote.uri])
    with transaction.atomic():
        source = _source_for(remote, feed)
        TopicSource.objects.get_or_create(topic=topic, source=source, defaults={"added_by": user})
        row, _created = RemoteFollow.objects.update_or_create(
            actor=actor,
            remote=remote,
            defaults={
                "follow_id": follow["id"],
                "source": source,
                "status": RemoteFollow.Status.PENDING,
                "created_at": now,
            },
        )
        send(actor, follow, [remote.inbox], now)
        for post in posts:
            store_post(source, post, now, author=remote.uri)
    return row


def unfollow_account(user: Any, topic: Topic, follow_pk: int, now: datetime) -> None:
    """Stop following: an Undo of the original Follow (its id, so the server knows which),
    and the account's source leaves the topic (its entries and suggestions stay)."""
    require_curator(user, topic)
    actor = topic_actor(topic)
    row = RemoteFollow.objects.filter(pk=follow_pk, actor=actor).select_related("remote").first()
    if row is None:
        raise ValidationError(_("This topic does not follow this account (any more)."))
    me = actor_uri(actor)
    original = {"id": row.follow_id, "type": "Follow", "actor": me, "object": row.remote.uri}
    undo = activities.wrap("Undo", me, original, now=now, to=[row.remote.uri])
    with transaction.atomic():
        if row.remote.inbox:
            send(actor, undo, [row.remote.inbox], now)
        if row.source_id is not None:
            TopicSource.objects.filter(topic=topic, source_id=row.source_id).delete()
        row.delete()


def _parsed(obj: dict[str, Any]) -> ParsedEntry:
    url = obj.get("url") if isinstance(obj.get("url"), str) else obj.get("id", "")
    if isinstance(obj.get("url"), list | dict):
        url = _first_href(obj["url"]) or obj.get("id", "")
    content = activities.text(obj, "content")
    tags = [
        str(t.get("name", "")).lstrip("#")
        for t in _as_list(obj.get("tag"))
        if isinstance(t, dict) and t.get("type") == "Hashtag"
    ]
    image = ""
    for att in _as_list(obj.get("attachment")):
        if isinstance(att, dict) and str(att.get("mediaType", "")).startswith("image/"):
            image = _first_href(att.get("url"))
            break
    # A post has no title: an Article's name, else its content warning, else its first
    # sentence; never its address, which says nothing to a curator.
    title = activities.text(obj, "name") or title_for_post(activities.text(obj, "summary"), content)
    content_map = obj.get("contentMap")
    return ParsedEntry(
        id=str(url),  # Mastodon's RSS uses the post's page as guid: the same item, once
        title=title[:500],
        link=str(url),
        published=_parse_date(obj.get("published")),
        updated=_parse_date(obj.get("updated")),
        content=content,
        image=image,
        categories=tags[:10],
        language=next(iter(content_map), "") if isinstance(content_map, dict) else "",
    )


def _first_href(value: Any) -> str:
    for item in _as_list(value):
        href = item.get("href") if isinstance(item, dict) else item
        if isinstance(href, str) and is_http_url(href):
            return href
    return ""


def is_public(obj: dict[str, Any]) -> bool:
    """Addressed to the public (``as:Public`` in ``to`` or ``cc``: public or unlisted), in
    any of the forms servers write it (Fedify compacts it to ``as:Public``)."""
    audience = [*_as_list(obj.get("to")), *_as_list(obj.get("cc"))]
    return bool({PUBLIC, "as:Public", "Public"} & {a for a in audience if isinstance(a, str)})


def store_post(source: Source, obj: dict[str, Any], now: datetime, *, author: str) -> int:
    """Store ``author``'s public post as an entry of ``source`` (an upsert: a post pushed
    again, or edited, updates its entry), remembering its object id for its edits and
    deletion. Returns how many entries are new."""
    object_id = activities.text(obj, "id")
    if not is_public(obj) or not object_id:
        return 0  # followers-only and direct posts stay private
    entry = _parsed(obj)
    with transaction.atomic():
        new = store_feed(source, ParsedFeed(format=source.feed_format or "activitypub",
                                            entries=[entry]), now)  # fmt: skip
        # The worker also polls this source (the account's feed) and may hold its lease:
        # write only the count and the feed's own fields, never its fetch state.
        Source.objects.filter(pk=source.pk).update(
            entry_count=F("entry_count") + len(new),
            **{name: getattr(source, name) for name in FEED_META_FIELDS},
        )
        stored = Entry.objects.filter(source=source, guid=entry.id[:2000]).first()
        if stored is not None:
            FollowedPost.objects.get_or_create(
                object_id=object_id[:2000],
                entry=stored,
                defaults={"author_uri": author[:2000], "created_at": now},
            )
    return len(new)


def update_post(author: str, obj: dict[str, Any], now: datetime) -> bool:
    """An edit of a post we stored: its entry takes the new title, content, image and
    tags. Only the post's author may edit it."""
    posts = FollowedPost.objects.filter(
        object_id=activities.text(obj, "id"), author_uri=author, deleted_at__isnull=True
    ).select_related("entry__source")
    for post in posts:
        store_post(post.entry.source, obj, now, author=author)
    return bool(posts)


def delete_post(author: str, object_id: str, now: datetime) -> bool:
    """The author deleted a post we stored. Its pending suggestions are withdrawn and its
    entry removed, so nobody can scoop it any more; an entry a scoop already uses stays
    (the scoop is the curator's), marked gone, and the topic's Fediverse page lists it
    for its curators to decide. Only the post's author may delete it."""
    posts = list(
        FollowedPost.objects.filter(object_id=object_id, author_uri=author).select_related("entry")
    )
    for post in posts:
        entry = post.entry
        Suggestion.objects.filter(entry=entry, status=Suggestion.Status.PENDING).delete()
        if entry.scoops.exists():
            if post.deleted_at is None:
                post.deleted_at = now
                post.save(update_fields=["deleted_at"])
        else:
            Source.objects.filter(pk=entry.source_id).update(entry_count=F("entry_count") - 1)
            entry.delete()  # and the FollowedPost row with it
    return bool(posts)


def deleted_scooped_posts(topic: Topic) -> list[FollowedPost]:
    """Posts their authors deleted that a scoop of ``topic`` still quotes."""
    return list(
        FollowedPost.objects.filter(deleted_at__isnull=False, entry__scoops__topic=topic)
        .select_related("entry")
        .distinct()
        .order_by("-deleted_at")
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
