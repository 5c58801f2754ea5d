"""Sending: turn a scoop's publication, edit or removal into an activity and its deliveries.

An activity and all its Delivery rows are written in one transaction, so a crash either
sends nothing (and the scoop hook runs again) or leaves every delivery due for a worker.
One delivery per inbox: followers on the same instance share its shared inbox.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from florilege.curation.models import Scoop
from florilege.federation import activities, ids
from florilege.federation.models import Delivery, Follower, LocalActor, OutboxActivity, RemoteActor
from florilege.federation.services.actors import actor_uri, topic_actor
from florilege.lib import media

log = logging.getLogger("florilege.federation")


def _absolute(path: str) -> str:
    return settings.BASE_URL + path


def scoop_note(scoop: Scoop) -> dict[str, Any]:
    topic_url = _absolute(scoop.topic.get_absolute_url())
    return activities.note_for_scoop(
        scoop,
        actor_uri=ids.topic_actor(scoop.topic.slug),
        permalink=_absolute(scoop.get_absolute_url()),
        tag_url=lambda tag: tag_page_url(topic_url, tag),
        hashtag_url=ids.hashtag,
        picture=_picture(scoop),
    )


def _picture(scoop: Scoop) -> activities.Picture | None:
    """Our large JPEG of the scoop's picture (JPEG: every server that transcodes media
    takes it), once made; the Note goes without one before."""
    found = scoop.picture.rendition("large") if scoop.picture else None
    if found is None:
        return None
    return media.url_of(found["jpeg"]), found["width"], found["height"]


def tag_page_url(topic_url: str, tag: str) -> str:
    """The topic's page of one tag (``publishing:tag``), built from the topic's URL."""
    return f"{topic_url}tag/{quote(tag, safe='')}/"


def follower_inboxes(actor: LocalActor) -> list[str]:
    """Distinct inboxes reaching every accepted follower: a shared inbox when they have one."""
    remote_ids = Follower.objects.filter(actor=actor, status=Follower.Status.ACCEPTED).values(
        "remote_id"
    )
    rows = RemoteActor.objects.filter(pk__in=remote_ids).values_list("shared_inbox", "inbox")
    return sorted({shared or inbox for shared, inbox in rows if shared or inbox})


def send(
    actor: LocalActor,
    activity: dict[str, Any],
    inboxes: list[str],
    now: datetime,
    *,
    scoop: Scoop | None = None,
    public: bool = False,
    about: str = "",
) -> OutboxActivity:
    """Record ``activity`` and one due Delivery per inbox, atomically. ``about`` is the
    object id the row is filed under (by default the activity's object's id)."""
    obj = activity.get("object")
    object_uri = about or (obj.get("id", "") if isinstance(obj, dict) else str(obj or ""))
    with transaction.atomic():
        row = OutboxActivity.objects.create(
            actor=actor,
            kind=activity["type"],
            object_uri=object_uri[:2000],
            scoop=scoop,
            payload=activity,
            public=public,
            created_at=now,
        )
        Delivery.objects.bulk_create(
            [
                Delivery(
                    activity=row,
                    inbox=inbox,
                    domain=(urlsplit(inbox).hostname or "").lower(),
                    next_attempt_at=now,
                    created_at=now,
                )
                for inbox in inboxes
            ],
            batch_size=500,
            ignore_conflicts=True,
        )
    log.info("event=activity_queued kind=%s inboxes=%d", activity["type"], len(inboxes))
    return row


def _sent(actor: LocalActor, object_uri: str) -> Any:
    return OutboxActivity.objects.filter(actor=actor, object_uri=object_uri)


def _live_announce(actor: LocalActor, object_uri: str) -> OutboxActivity | None:
    """The Announce filed under ``object_uri`` (a rescoop's own id) that no Undo followed."""
    last = _sent(actor, object_uri).filter(kind__in=["Announce", "Undo"]).order_by("-id").first()
    return last if last is not None and last.kind == "Announce" else None


def _boosted_original(scoop: Scoop, now: datetime) -> Scoop | None:
    """The scoop a rescoop boosts: the original, if it is still public (its Note is what
    remote servers will fetch) and in another of our topics. Otherwise the rescoop goes
    out as a Note of its own."""
    if not scoop.rescooped_from_id:
        return None
    original = Scoop.objects.visible(now).select_related("topic")
    original = original.filter(pk=scoop.rescooped_from_id).first()
    if original is None or original.topic_id == scoop.topic_id:
        return None
    return original


def reach(actor: LocalActor, note_uri: str) -> list[str]:
    """Inboxes that may hold the Note ``note_uri`` of ``actor``: its followers', and those
    of our other topics that boosted it (a rescoop): a server that follows only the
    booster fetched the Note too, and must hear of its Update or Delete."""
    boosters = (
        OutboxActivity.objects.filter(kind="Announce", payload__object=note_uri)
        .exclude(actor=actor)
        .values_list("actor_id", flat=True)
        .distinct()
    )
    inboxes = set(follower_inboxes(actor))
    for booster in LocalActor.objects.filter(pk__in=list(boosters)):
        inboxes.update(follower_inboxes(booster))
    return sorted(inboxes)


def publish_scoop(scoop_id: int, now: datetime | None = None) -> OutboxActivity | None:
    """A newly visible scoop becomes a Create of its Note to the topic's followers; a
    rescoop of another of our topics' scoops becomes an Announce (a boost) of the original
    Note instead, so the fediverse sees one post, boosted, not two copies. Idempotent: a
    second call for the same scoop sends nothing."""
    now = now or timezone.now()
    scoop = Scoop.objects.visible(now).select_related("topic").filter(pk=scoop_id).first()
    if scoop is None or _already_sent(scoop, "Create"):
        return None
    actor = topic_actor(scoop.topic)
    if _live_announce(actor, ids.scoop_object(scoop.pk)) is not None:
        return None
    original = _boosted_original(scoop, now)
    if original is not None:
        return _announce(actor, scoop, original, now)
    uri = actor_uri(actor)
    note = scoop_note(scoop)
    activity = activities.wrap("Create", uri, note, now=now, **activities.public_audience(uri))
    return send(actor, activity, follower_inboxes(actor), now, scoop=scoop, public=True)


def _announce(actor: LocalActor, scoop: Scoop, original: Scoop, now: datetime) -> OutboxActivity:
    # Addressed as Mastodon addresses a boost: public, copied to the booster's followers
    # and to the original's author (our other topic, which needs no delivery).
    uri = actor_uri(actor)
    audience = activities.public_audience(uri)
    audience["cc"].append(ids.topic_actor(original.topic.slug))
    activity = activities.wrap("Announce", uri, ids.scoop_object(original.pk), now=now, **audience)
    # Filed under the rescoop's own id: its removal (even after a delete) finds it.
    return send(
        actor, activity, follower_inboxes(actor), now, scoop=scoop, public=True,
        about=ids.scoop_object(scoop.pk),
    )  # fmt: skip


def _already_sent(scoop: Scoop, kind: str) -> bool:
    return OutboxActivity.objects.filter(scoop=scoop, kind=kind).exists()


def update_scoop(
    scoop_id: int, now: datetime | None = None, picture_added: bool = False
) -> OutboxActivity | None:
    """An edited scoop that was already sent becomes an Update of its Note (a boosted
    rescoop has no Note of its own: nothing to update). ``picture_added``: the change is
    its picture, made after it went out; the Note says it was updated now (Mastodon applies
    an Update only when ``updated`` is newer than what it has)."""
    now = now or timezone.now()
    scoop = Scoop.objects.visible(now).select_related("topic").filter(pk=scoop_id).first()
    if scoop is None or not _already_sent(scoop, "Create"):
        return None
    actor = topic_actor(scoop.topic)
    uri = actor_uri(actor)
    note = scoop_note(scoop)
    if picture_added:
        note["updated"] = activities.iso(now)
    activity = activities.wrap("Update", uri, note, now=now, **activities.public_audience(uri))
    return send(actor, activity, reach(actor, note["id"]), now, scoop=scoop, public=True)


def retract_scoop(
    scoop_id: int, topic_slug: str, now: datetime | None = None
) -> OutboxActivity | None:
    """An unpublished or deleted scoop becomes a Delete with a Tombstone (once); a boosted
    rescoop becomes an Undo of its Announce."""
    now = now or timezone.now()
    actor = LocalActor.objects.filter(kind=LocalActor.Kind.TOPIC, username=topic_slug).first()
    if actor is None:
        return None
    object_uri = ids.scoop_object(scoop_id)
    uri = actor_uri(actor)
    announce = _live_announce(actor, object_uri)
    if announce is not None:
        boost = {k: v for k, v in announce.payload.items() if k != "@context"}
        audience = {"to": boost.get("to", []), "cc": boost.get("cc", [])}
        activity = activities.wrap("Undo", uri, boost, now=now, **audience)
        return send(actor, activity, follower_inboxes(actor), now, public=True, about=object_uri)
    sent = _sent(actor, object_uri)
    if not sent.filter(kind="Create").exists() or sent.filter(kind="Delete").exists():
        return None
    activity = activities.wrap(
        "Delete", uri, activities.tombstone(object_uri, now), now=now,
        **activities.public_audience(uri),
    )  # fmt: skip
    return send(actor, activity, reach(actor, object_uri), now, public=True)


# --- the hooks other apps call ---------------------------------------------------------------


def on_scoop_published(scoop: Scoop, now: datetime | None = None) -> None:
    """Call when a scoop became public: the Create (or Announce) leaves after the commit.
    ``now`` is the publication's clock: a scheduled scoop published by ``publish_due(now)``
    is visible at that time."""
    pk = scoop.pk
    transaction.on_commit(lambda: _safely(publish_scoop, pk, now))


def on_scoop_edited(scoop: Scoop, now: datetime | None = None) -> None:
    pk = scoop.pk
    transaction.on_commit(lambda: _safely(update_scoop, pk, now))


def on_picture_ready(picture: Any, now: datetime | None = None) -> None:
    """Call when a picture's thumbnails were made: the public scoops it illustrates whose
    Note already went out are updated with it."""
    scoops = Scoop.objects.visible(now or timezone.now()).filter(picture=picture)
    for pk in scoops.values_list("pk", flat=True)[:100]:
        transaction.on_commit(partial(_safely, update_scoop, pk, now, True))


def on_scoop_removed(scoop: Scoop, now: datetime | None = None) -> None:
    """Call before or after a scoop is unpublished or deleted (it needs only the ids)."""
    pk, slug = scoop.pk, scoop.topic.slug
    transaction.on_commit(lambda: _safely(retract_scoop, pk, slug, now))


def _safely(func: Any, *args: Any) -> None:
    # Federation must never fail the curator's action, which has already committed: the
    # failure is logged with the scoop's id so an operator can resend.
    try:
        func(*args)
    except Exception:
        log.exception("event=federation_hook_failed func=%s args=%s", func.__name__, args)
