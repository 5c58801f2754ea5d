"""From what happened (a scoop published, edited, unpublished; a reader's comment) to the
deliveries owed: one row per subscribed webhook, written where the event is announced.
Database writes only: the ``webhooks`` stage does the sending."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.utils import timezone

from florilege.curation.models import Scoop
from florilege.curation.services import publication
from florilege.media import services as pictures
from florilege.publishing.models import Comment
from florilege.topics.models import Topic
from florilege.webhooks import presets
from florilege.webhooks.models import TEST_EVENT, Delivery, Event, Webhook


def _absolute(path: str) -> str:
    return settings.CONFIG.BASE_URL.rstrip("/") + path


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def scoop_data(scoop: Scoop) -> dict[str, Any]:
    topic = scoop.topic
    return {
        "id": scoop.pk,
        "title": scoop.title,
        "url": scoop.url,
        "permalink": _absolute(scoop.get_absolute_url()),
        "insight": scoop.insight,
        "excerpt": scoop.excerpt,
        "tags": list(scoop.tags),
        "image_url": pictures.shareable_address(scoop),
        "source_name": scoop.source_name,
        "language": scoop.language,
        "status": scoop.status,
        "published_at": _iso(scoop.published_at),
        "curator": scoop.curator.get_username(),
        "topic": {"slug": topic.slug, "title": topic.title},
    }


def _event(kind: str, headline: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"type": kind, "timestamp": now.isoformat(), "headline": headline, "data": data}


def enqueue(webhook: Webhook, event: dict[str, Any], now: datetime) -> Delivery:
    return Delivery.objects.create(
        webhook=webhook,
        msg_id=f"msg_{uuid.uuid4().hex}",
        event=event["type"],
        headline=str(event["headline"])[:300],
        body=presets.body_for(webhook.preset, event),
        created_at=now,
        next_attempt_at=now,
    )


def announce(topic_id: int, event: dict[str, Any], now: datetime) -> int:
    """A delivery for each enabled webhook of the topic subscribed to the event."""
    hooks = [
        hook
        for hook in Webhook.objects.filter(topic_id=topic_id, enabled=True)
        if event["type"] in hook.events
    ]
    for hook in hooks:
        enqueue(hook, event, now)
    return len(hooks)


def sample_event(topic: Topic, now: datetime) -> dict[str, Any]:
    data = {
        "topic": {"slug": topic.slug, "title": topic.title},
        "url": _absolute(topic.get_absolute_url()),
        "body": "This is a test delivery from Florilège.",
    }
    return _event(TEST_EVENT, f"Test from {topic.title}", data, now)


def _on_scoop(kind: str):
    def receiver(sender, scoop: Scoop, now: datetime | None = None, **kwargs) -> None:
        moment = now or timezone.now()
        announce(scoop.topic_id, _event(kind, scoop.title, scoop_data(scoop), moment), moment)

    return receiver


def _on_comment(sender, instance: Comment, created: bool = False, raw: bool = False, **kw) -> None:
    if not created or raw:
        return
    scoop = Scoop.objects.select_related("topic").get(pk=instance.scoop_id)
    data = {
        "id": instance.pk,
        "author_name": instance.author_name,
        "body": instance.body,
        "status": instance.status,
        "origin": instance.origin,
        "created_at": _iso(instance.created_at),
        "url": _absolute(scoop.get_absolute_url()),
        "scoop": {"id": scoop.pk, "title": scoop.title},
        "topic": {"slug": scoop.topic.slug, "title": scoop.topic.title},
    }
    headline = f"{instance.author_name} on “{scoop.title}”"
    announce(scoop.topic_id, _event(Event.COMMENT_CREATED, headline, data, instance.created_at),
             instance.created_at)  # fmt: skip


def connect() -> None:
    signals = (
        (publication.scoop_published, Event.SCOOP_PUBLISHED),
        (publication.scoop_edited, Event.SCOOP_UPDATED),
        (publication.scoop_unpublished, Event.SCOOP_UNPUBLISHED),
    )
    for signal, kind in signals:
        signal.connect(_on_scoop(kind), weak=False, dispatch_uid=f"webhook-{kind}")
    post_save.connect(_on_comment, sender=Comment, weak=False, dispatch_uid="webhook-comment")
