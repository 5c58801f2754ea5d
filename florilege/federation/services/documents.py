"""The documents our actors and objects are served as (reads only)."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.templatetags.static import static

from florilege.curation.models import Scoop
from florilege.federation import activities, ids
from florilege.federation.models import Follower, LocalActor, OutboxActivity, RemoteFollow
from florilege.federation.services.actors import actor_uri, ensure_keys
from florilege.lib import media
from florilege.lib.markdown import render_markdown
from florilege.topics.models import Topic

OUTBOX_PAGE = 20
FOLLOWERS_PAGE = 50


def _absolute(path: str) -> str:
    return path if path.startswith("http") else settings.BASE_URL + path


def icon_url() -> str:
    return _absolute(static("federation/topic-icon.png"))


def topic_document(topic: Topic, actor: LocalActor, *, minimal: bool = False) -> dict[str, Any]:
    actor = ensure_keys(actor)
    uri = actor_uri(actor)
    if minimal:
        return activities.minimal_actor(uri, topic.slug, actor.public_key_pem, "Person")
    return activities.actor_document(
        uri=uri,
        username=topic.slug,
        name=topic.title,
        summary_html=render_markdown(topic.description) if topic.description else "",
        url=_absolute(topic.get_absolute_url()),
        public_key_pem=actor.public_key_pem,
        published=topic.created_at,
        approves_followers=actor.approves_followers,
        icon_url=icon_url(),
        # The header is the picture of the latest illustrated scoop: a topic's page changes
        # with what it publishes, and so does its profile.
        header_url=_header(topic),
    )


def _header(topic: Topic) -> str:
    """The picture of the latest scoop illustrated in a raster format (an SVG header makes
    servers that transcode media fail the whole profile)."""
    recent = (
        Scoop.objects.visible()
        .filter(topic=topic, picture__renditions__has_key="large")
        .exclude(picture__status="failed")
        .select_related("picture")
        .order_by("-published_at", "-id")
    )
    for scoop in recent[:1]:
        found = scoop.picture.rendition("large") if scoop.picture else None
        if found:
            return media.url_of(found["jpeg"])
    return ""


def curator_document(user: Any, actor: LocalActor, *, minimal: bool = False) -> dict[str, Any]:
    actor = ensure_keys(actor)
    uri = actor_uri(actor)
    if minimal:
        return activities.minimal_actor(uri, user.get_username(), actor.public_key_pem, "Person")
    return activities.actor_document(
        uri=uri,
        username=user.get_username(),
        name=user.get_full_name() or user.get_username(),
        summary_html="",
        url=uri,
        public_key_pem=actor.public_key_pem,
        published=user.date_joined,
        icon_url=icon_url(),
    )


def instance_document(actor: LocalActor) -> dict[str, Any]:
    actor = ensure_keys(actor)
    uri = actor_uri(actor)
    doc = activities.minimal_actor(uri, ids.domain(), actor.public_key_pem, "Application")
    doc["url"] = settings.BASE_URL + "/"
    doc["manuallyApprovesFollowers"] = True
    return doc


def outbox(actor: LocalActor, page: str | None) -> dict[str, Any]:
    uri = f"{actor_uri(actor)}/outbox"
    rows = OutboxActivity.objects.filter(actor=actor, public=True).order_by("-id")
    paginator = Paginator(rows.only("id", "payload"), OUTBOX_PAGE)
    if page is None:
        return activities.ordered_collection(uri, paginator.count, first=f"{uri}?page=1")
    current = paginator.get_page(page)
    items = [{k: v for k, v in r.payload.items() if k != "@context"} for r in current]
    return activities.collection_page(
        f"{uri}?page={current.number}",
        uri,
        items,
        f"{uri}?page={current.next_page_number()}" if current.has_next() else None,
        f"{uri}?page={current.previous_page_number()}" if current.has_previous() else None,
    )


def followers(actor: LocalActor, page: str | None) -> dict[str, Any]:
    uri = f"{actor_uri(actor)}/followers"
    rows = (
        Follower.objects.filter(actor=actor, status=Follower.Status.ACCEPTED)
        .select_related("remote")
        .order_by("-id")
    )
    paginator = Paginator(rows, FOLLOWERS_PAGE)
    if page is None:
        return activities.ordered_collection(uri, paginator.count, first=f"{uri}?page=1")
    current = paginator.get_page(page)
    return activities.collection_page(
        f"{uri}?page={current.number}",
        uri,
        [f.remote.uri for f in current],
        f"{uri}?page={current.next_page_number()}" if current.has_next() else None,
        f"{uri}?page={current.previous_page_number()}" if current.has_previous() else None,
    )


def featured(actor: LocalActor, kind: str) -> dict[str, Any]:
    """Pinned posts (``featured``) and featured hashtags (``featuredTags``): Florilège pins
    nothing yet, so both are empty, but valid: Mastodon fetches them with every profile."""
    return activities.ordered_collection(f"{actor_uri(actor)}/{kind}", 0, items=[])


def following(actor: LocalActor, page: str | None) -> dict[str, Any]:
    """The accounts a topic follows (accepted follows), like :func:`followers`."""
    uri = f"{actor_uri(actor)}/following"
    rows = (
        RemoteFollow.objects.filter(actor=actor, status=RemoteFollow.Status.ACCEPTED)
        .select_related("remote")
        .order_by("-id")
    )
    paginator = Paginator(rows, FOLLOWERS_PAGE)
    if page is None:
        return activities.ordered_collection(uri, paginator.count, first=f"{uri}?page=1")
    current = paginator.get_page(page)
    return activities.collection_page(
        f"{uri}?page={current.number}",
        uri,
        [f.remote.uri for f in current],
        f"{uri}?page={current.next_page_number()}" if current.has_next() else None,
        f"{uri}?page={current.previous_page_number()}" if current.has_previous() else None,
    )


def webfinger(resource: str) -> dict[str, Any] | None:
    """The JRD for ``acct:name@our-domain`` or one of our actor URLs, else None."""
    name = ""
    if resource.startswith("acct:"):
        user, _, host = resource[5:].lstrip("@").rpartition("@")
        if host.lower() != ids.domain():
            return None
        name = user
    else:
        found = ids.actor_from_uri(resource)
        if found is None:
            return None
        name = found[1] if found[0] != "instance" else ids.domain()
    if name.lower() == ids.domain():
        name = ids.domain()
        # The instance actor, which signs our fetches, as ``acct:host@host``: GoToSocial
        # (and Mastodon, for instance actors) look the signer up by WebFinger before trusting
        # a signed GET, and refuse it when this answers 404.
        uri, page = ids.instance_actor(), settings.BASE_URL + "/"
    elif topic := Topic.objects.filter(slug=name, is_public=True).first():
        uri, page = ids.topic_actor(topic.slug), _absolute(topic.get_absolute_url())
    else:
        curator = get_user_model().objects.filter(username=name, is_active=True).first()
        if curator is None:
            return None
        uri = page = ids.curator_actor(curator.get_username())
    return {
        "subject": f"acct:{name}@{ids.domain()}",
        "aliases": [uri, page],
        "links": [
            {"rel": "self", "type": activities.ACTIVITY_JSON, "href": uri},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": page},
        ],
    }


def nodeinfo(version: str) -> dict[str, Any]:
    users = get_user_model().objects.filter(is_active=True).count()
    return {
        "version": version,
        "software": {
            "name": "florilege",
            "version": _version(),
            **({"homepage": settings.BASE_URL + "/"} if version == "2.1" else {}),
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": False,
        "usage": {
            "users": {"total": users},
            "localPosts": Scoop.objects.visible().count(),
        },
        "metadata": {"topics": Topic.objects.filter(is_public=True).count()},
    }


def _version() -> str:
    try:
        return metadata.version("florilege")
    except metadata.PackageNotFoundError:
        return "0"
