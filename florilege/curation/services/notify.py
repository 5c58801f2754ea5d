"""In-app notifications: a contributor learns that an editor approved or returned a
proposal; editors learn that a proposal waits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q

from florilege.curation.models import Notification, Scoop
from florilege.topics.models import Membership, Role, Topic


def notify(
    recipients: Iterable, kind: str, text: str, now: datetime, *, topic=None, scoop=None, url=""
) -> int:
    rows = [
        Notification(
            recipient=user, topic=topic, scoop=scoop, kind=kind, text=text, url=url, created_at=now
        )
        for user in {u.pk: u for u in recipients}.values()
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def reviewers(topic: Topic, except_user=None) -> list:
    """Those who may approve: the owner of record and every owner or editor member."""
    editors = Membership.objects.filter(topic=topic, role__in=[Role.OWNER, Role.EDITOR])
    users = get_user_model().objects.filter(
        Q(pk=topic.owner_id) | Q(pk__in=editors.values("user_id")), is_active=True
    )
    if except_user is not None:
        users = users.exclude(pk=except_user.pk)
    return list(users)


def notify_author(scoop: Scoop, actor, kind: str, text: str, now: datetime, url: str) -> None:
    if scoop.curator_id != actor.pk:
        notify([scoop.curator], kind, text, now, topic=scoop.topic, scoop=scoop, url=url)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_all_read(user, now: datetime) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)
