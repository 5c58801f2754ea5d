"""Where our ActivityPub objects live: every id is an absolute URL under FLORILEGE_BASE_URL.

Ids are built from stable keys (a topic's slug, a scoop's primary key), so an edited
title never changes an object's id; :func:`scoop_pk_from_uri` reads them back.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import quote, urlsplit

from django.conf import settings

PREFIX = "/ap"


def base() -> str:
    return settings.BASE_URL


def domain() -> str:
    """The host part of ``acct:`` addresses: the host, with the port when there is one."""
    return urlsplit(base()).netloc.lower()


def topic_actor(slug: str) -> str:
    return f"{base()}{PREFIX}/topics/{slug}"


def curator_actor(username: str) -> str:
    return f"{base()}{PREFIX}/users/{username}"


def instance_actor() -> str:
    return f"{base()}{PREFIX}/instance"


def shared_inbox() -> str:
    return f"{base()}{PREFIX}/inbox"


def scoop_object(pk: int) -> str:
    return f"{base()}{PREFIX}/scoops/{pk}"


def desk_note(token: str) -> str:
    """A reply written on the engagement desk (a Note of the topic's actor)."""
    return f"{base()}{PREFIX}/notes/{token}"


def new_desk_note_id() -> str:
    return desk_note(secrets.token_hex(12))


def hashtag(word: str) -> str:
    """Where a hashtag of ours links: ``/tags/<word>`` (the path Mastodon uses, and the one
    servers that rewrite hashtag links point at on the author's host)."""
    return f"{base()}/tags/{quote(word, safe='')}"


def new_activity_id() -> str:
    return f"{base()}{PREFIX}/activities/{secrets.token_hex(12)}"


def key_id(actor_uri: str) -> str:
    return f"{actor_uri}#main-key"


_SCOOP = re.compile(r"/ap/scoops/(\d+)/?$")
_TOPIC = re.compile(r"/ap/topics/([-\w]+)/?$")
_USER = re.compile(r"/ap/users/([-\w.@+]+)/?$")


def _local_path(uri: str) -> str | None:
    if not isinstance(uri, str) or not uri.startswith(base() + "/"):
        return None
    return uri[len(base()) :]


def scoop_pk_from_uri(uri: object) -> int | None:
    path = _local_path(uri) if isinstance(uri, str) else None
    match = _SCOOP.match(path or "")
    return int(match.group(1)) if match else None


def actor_from_uri(uri: object) -> tuple[str, str] | None:
    """("topic", slug) or ("curator", username) for one of our actor URIs."""
    path = _local_path(uri) if isinstance(uri, str) else None
    if path is None:
        return None
    if match := _TOPIC.match(path):
        return "topic", match.group(1)
    if match := _USER.match(path):
        return "curator", match.group(1)
    if path.rstrip("/") == f"{PREFIX}/instance":
        return "instance", "instance"
    return None
