"""The audit log of a topic: services write one row per change; owners read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from florilege.curation.models import AuditEvent
from florilege.topics.models import Topic
from florilege.topics.permissions import Action, require


def record(
    topic: Topic, actor, action: str, now: datetime, obj: Any = None, **details: Any
) -> AuditEvent:
    """Write what ``actor`` did. Called inside the service's transaction, so a change and
    its audit row are stored together or not at all."""
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
