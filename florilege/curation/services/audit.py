"""The audit log of a topic: services write one row per change; owners read it, each row
as a sentence (``curation/audit_text.py``) linked to its object while it still exists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString

from florilege.curation.audit_text import describe
from florilege.curation.models import AuditEvent, Scoop
from florilege.topics.models import Membership, Topic, TopicSource
from florilege.topics.permissions import Action, require


def record(
    topic: Topic | None, actor, action: str, now: datetime, obj: Any = None, **details: Any
) -> AuditEvent:
    """Write what ``actor`` did. Called inside the service's transaction, so a change and
    its audit row are stored together or not at all. ``topic`` is None for site-level
    events (a topic's deletion, which must outlive the topic's own log)."""
    authenticated = actor is not None and actor.is_authenticated
    return AuditEvent.objects.create(
        topic=topic,
        actor=actor if authenticated else None,
        actor_name=actor.get_username() if authenticated else "",
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        details=details,
        at=now,
    )


def events(topic: Topic, user) -> QuerySet[AuditEvent]:
    require(user, topic, Action.VIEW_AUDIT)
    return AuditEvent.objects.filter(topic=topic).order_by("-at", "-id")


@dataclass(frozen=True)
class Line:
    event: AuditEvent
    sentence: SafeString


def _ids(rows: list[AuditEvent], kind: str) -> set[int]:
    return {int(e.object_id) for e in rows if e.object_type == kind and e.object_id.isdigit()}


def lines(topic: Topic, rows: Iterable[AuditEvent]) -> list[Line]:
    """The rows as sentences, each object linked if it is still there: one query per kind
    of object on the page, whatever the number of rows."""
    rows = list(rows)
    scoops = set(
        Scoop.objects.filter(topic=topic, pk__in=_ids(rows, "scoop")).values_list("pk", flat=True)
    )
    sources = set(
        TopicSource.objects.filter(topic=topic, source_id__in=_ids(rows, "source")).values_list(
            "source_id", flat=True
        )
    )
    members = Membership.objects.filter(topic=topic, pk__in=_ids(rows, "membership"))
    member_ids = set(members.values_list("pk", flat=True))
    team = reverse("accounts:members", args=[topic.slug])
    links: dict[tuple[str, int], str] = {}
    for pk in scoops:
        links["scoop", pk] = reverse("curation:scoop_edit", args=[topic.slug, pk])
    for pk in sources:
        links["source", pk] = reverse("curation:sources", args=[topic.slug])
    for pk in member_ids:
        links["membership", pk] = team
    links["topic", topic.pk] = reverse("curation:topic_edit", args=[topic.slug])

    def link(e: AuditEvent) -> str | None:
        if not e.object_id.isdigit():
            return None
        return links.get((e.object_type, int(e.object_id)))

    return [Line(e, describe(e, link(e), topic.time_zone)) for e in rows]
