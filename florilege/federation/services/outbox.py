"""Sending: turn a scoop's publication, edit or removal into an activity and its deliveries.

An activity and all its Delivery rows are written in one transaction, so a crash either
sends nothing (and the scoop hook runs again) or leaves every delivery due for a worker.
One delivery per inbox: followers on the same instance share its shared inbox.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from florilege.curation.models import Scoop
from florilege.federation import activities, ids
from florilege.federation.models import Delivery, Follower, LocalActor, OutboxActivity, RemoteActor
from florilege.federation.services.actors import actor_uri, topic_actor

log = logging.getLogger("florilege.federation")


def _absolute(path: str) -> str:
    return settings.BASE_URL + path


def scoop_note(scoop: Scoop) -> dict[str, Any]:
    topic_url = _absolute(scoop.topic.get_absolute_url())
    return activities.note_for_scoop(
        scoop,
        actor_uri=ids.topic_actor(scoop.topic.slug),
        permalink=_absolute(scoop.get_absolute_url()),
        tag_url=lambda tag: _tag_url(topic_url, tag),
    )


def _tag_url(topic_url: str, tag: str) -> str:
    return f"{topic_url}?tag={quote(tag)}"


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
) -> OutboxActivity:
    """Record ``activity`` and one due Delivery per inbox, atomically."""
    obj = activity.get("object")
    object_uri = obj.get("id", "") if isinstance(obj, dict) else str(obj or "")
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


def _already_sent(scoop: Scoop, kind: str) -> bool:
    return OutboxActivity.objects.filter(scoop=scoop, kind=kind).exists()


def publish_scoop(scoop_id: int, now: datetime | None = None) -> OutboxActivity | None:
    """A newly visible scoop becomes a Create (or, for a rescoop, an Announce) to the topic's
    followers. Idempotent: a second call for the same scoop sends nothing."""
    now = now or timezone.now()
    scoop = Scoop.objects.visible(now).select_related("topic").filter(pk=scoop_id).first()
    if scoop is None or _already_sent(scoop, "Create") or _already_sent(scoop, "Announce"):
        return None
    actor = topic_actor(scoop.topic)
    uri = actor_uri(actor)
    # NOTE(rescoop): the rescoop model (Scoop.rescooped_from) comes from another branch and
    # does not exist here yet. When the field exists and points at a scoop of another of
    # our topics, the original Note is boosted (Announce) instead of copied; add a test
    # with a rescoop fixture once the field lands.
    original = getattr(scoop, "rescooped_from", None)
    if original is not None and getattr(original, "pk", None):
        activity = activities.wrap(
            "Announce", uri, ids.scoop_object(original.pk), now=now,
            **activities.public_audience(uri),
        )  # fmt: skip
        activity["cc"].append(ids.topic_actor(original.topic.slug))
        return send(actor, activity, follower_inboxes(actor), now, scoop=scoop, public=True)
    note = scoop_note(scoop)
    activity = activities.wrap("Create", uri, note, now=now, **activities.public_audience(uri))
    return send(actor, activity, follower_inboxes(actor), now, scoop=scoop, public=True)


def update_scoop(scoop_id: int, now: datetime | None = None) -> OutboxActivity | None:
    """An edited scoop that was already sent becomes an Update of its Note."""
    now = now or timezone.now()
    scoop = Scoop.objects.visible(now).select_related("topic").filter(pk=scoop_id).first()
    if scoop is None or not _already_sent(scoop, "Create"):
        return None
    actor = topic_actor(scoop.topic)
    uri = actor_uri(actor)
    activity = activities.wrap(
        "Update", uri, scoop_note(scoop), now=now, **activities.public_audience(uri)
    )
    return send(actor, activity, follower_inboxes(actor), now, scoop=scoop, public=True)


def retract_scoop(
    scoop_id: int, topic_slug: str, now: datetime | None = None
) -> OutboxActivity | None:
    """An unpublished or deleted scoop becomes a Delete with a Tombstone (once)."""
    now = now or timezone.now()
    actor = LocalActor.objects.filter(kind=LocalActor.Kind.TOPIC, username=topic_slug).first()
    object_uri = ids.scoop_object(scoop_id)
    if actor is None:
        return None
    sent = OutboxActivity.objects.filter(actor=actor, object_uri=object_uri)
    if (
        not sent.filter(kind__in=["Create", "Announce"]).exists()
        or sent.filter(kind="Delete").exists()
    ):
        return None
    uri = actor_uri(actor)
    activity = activities.wrap(
        "Delete", uri, activities.tombstone(object_uri, now), now=now,
        **activities.public_audience(uri),
    )  # fmt: skip
    return send(actor, activity, follower_inboxes(actor), now, public=True)


# --- the hooks other apps call ---------------------------------------------------------------


def on_scoop_published(scoop: Scoop) -> None:
    """Call when a scoop is saved as published: the Create leaves after the commit."""
    pk = scoop.pk
    transaction.on_commit(lambda: _safely(publish_scoop, pk))


def on_scoop_edited(scoop: Scoop) -> None:
    pk = scoop.pk
    transaction.on_commit(lambda: _safely(update_scoop, pk))


def on_scoop_removed(scoop: Scoop) -> None:
    """Call before or after a scoop is unpublished or deleted (it needs only the ids)."""
    pk, slug = scoop.pk, scoop.topic.slug
    transaction.on_commit(lambda: _safely(retract_scoop, pk, slug))


def _safely(func: Any, *args: Any) -> None:
    # Federation must never fail the curator's action, which has already committed: the
    # failure is logged with the scoop's id so an operator can resend.
    try:
        func(*args)
    except Exception:
        log.exception("event=federation_hook_failed func=%s args=%s", func.__name__, args)
