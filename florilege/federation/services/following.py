"""The fediverse as a source: a topic follows a remote account, whose public posts arrive
over ActivityPub as entries of a Source, then as suggestions like any feed item. Also the
"Follow on Mastodon" box, which sends a visitor to their own instance.

No new Source kind: the account's Source is its public feed when the server has one
(Mastodon's ``/@name.rss``, mapped in ``sources.profiles``), polled as usual and also
pushed to over ActivityPub; otherwise a Source at the actor's URL that is never polled
(disabled, with the reason saying posts arrive by ActivityPub). A hashtag needs no
follow at all: ``sources.profiles`` maps an instance's tag page to its public tag feed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from florilege.federation import activities
from florilege.federation.contexts import PUBLIC
from florilege.federation.models import RemoteActor, RemoteFollow
from florilege.federation.services.actors import actor_uri, fetch_actor, topic_actor
from florilege.federation.services.outbox import send
from florilege.lib.fetching import fetch_one
from florilege.lib.http import FetchError
from florilege.sources.models import Source
from florilege.sources.parsing.model import ParsedEntry, ParsedFeed
from florilege.sources.profiles import profile_feed_urls
from florilege.sources.services.ingest import FEED_META_FIELDS, store_feed
from florilege.topics.models import Topic, TopicSource
from florilege.topics.services import require_curator

_ACCOUNT = re.compile(r"^@?([\w.-]+)@([\w.-]+\.[a-z0-9-]+(?::\d+)?)$", re.IGNORECASE)
_HOST = re.compile(r"^[\w.-]+\.[a-z0-9-]+(?::\d+)?$", re.IGNORECASE)


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


def remote_follow_url(instance: str, account: str) -> str:
    """Where to send a visitor who wants to follow ``account`` from ``instance``: the
    subscribe template their server publishes in WebFinger, else Mastodon's
    ``authorize_interaction`` address (understood by Mastodon, GoToSocial and Akkoma)."""
    host = instance.strip().lower().removeprefix("https://").removeprefix("http://")
    host = host.split("/", 1)[0].rsplit("@", 1)[-1]
    if not _HOST.match(host):
        raise ValidationError(_("Give your instance's address, for example mastodon.social."))
    return f"https://{host}/authorize_interaction?uri={quote('acct:' + account)}"


def _source_for(remote: RemoteActor) -> Source:
    feeds = profile_feed_urls(remote.url) if remote.url else []
    if feeds:
        source, _ = Source.objects.get_or_create(url=feeds[0][:2000])
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


def follow_account(user: Any, topic: Topic, address: str, now: datetime) -> RemoteFollow:
    require_curator(user, topic)
    uri = resolve_account(address)
    try:
        remote = fetch_actor(uri, now)
    except FetchError as exc:
        raise ValidationError(_("The account could not be fetched: %s") % exc.message) from exc
    if not remote.inbox:
        raise ValidationError(_("This account has no inbox: it cannot be followed."))
    actor = topic_actor(topic)
    with transaction.atomic():
        source = _source_for(remote)
        TopicSource.objects.get_or_create(topic=topic, source=source, defaults={"added_by": user})
        follow = activities.wrap("Follow", actor_uri(actor), remote.uri, now=now, to=[remote.uri])
        row, created = RemoteFollow.objects.get_or_create(
            actor=actor, remote=remote, defaults={"follow_id": follow["id"], "source": source}
        )
        if created:
            send(actor, follow, [remote.inbox], now)
    return row


def store_post(source: Source, obj: dict[str, Any], now: datetime) -> int:
    """Store a followed account's public post as an entry of ``source`` (an upsert)."""
    audience = [*_as_list(obj.get("to")), *_as_list(obj.get("cc"))]
    if PUBLIC not in audience and "as:Public" not in audience and "Public" not in audience:
        return 0  # followers-only and direct posts stay private
    url = obj.get("url") if isinstance(obj.get("url"), str) else obj.get("id", "")
    content = activities.text(obj, "content")
    tags = [
        str(t.get("name", "")).lstrip("#")
        for t in _as_list(obj.get("tag"))
        if isinstance(t, dict) and t.get("type") == "Hashtag"
    ]
    image = ""
    for att in _as_list(obj.get("attachment")):
        if isinstance(att, dict) and str(att.get("mediaType", "")).startswith("image/"):
            image = str(att.get("url", ""))
            break
    published = _parse_date(obj.get("published"))
    entry = ParsedEntry(
        id=str(url),  # Mastodon's RSS uses the post's page as guid: the same item, once
        title=str(obj.get("name") or obj.get("summary") or "")[:500],
        link=str(url),
        published=published,
        content=content,
        image=image,
        categories=tags[:10],
        language=next(iter(obj.get("contentMap") or {}), "")
        if isinstance(obj.get("contentMap"), dict)
        else "",
    )
    with transaction.atomic():
        new = store_feed(source, ParsedFeed(format=source.feed_format or "activitypub",
                                            entries=[entry]), now)  # fmt: skip
        # The worker also polls this source (the account's feed) and may hold its lease:
        # write only the count and the feed's own fields, never its fetch state.
        Source.objects.filter(pk=source.pk).update(
            entry_count=F("entry_count") + len(new),
            **{name: getattr(source, name) for name in FEED_META_FIELDS},
        )
    return len(new)


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
