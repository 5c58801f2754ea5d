"""The curator's side: see followers, approve or remove them, block, require approval."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from florilege.federation.models import Block, Follower, RemoteFollow
from florilege.federation.services.actors import topic_actor
from florilege.federation.services.following import deleted_scooped_posts
from florilege.federation.services.handlers import answer_follow
from florilege.topics.models import Topic
from florilege.topics.services import require_curator


def overview(user: Any, topic: Topic) -> dict[str, Any]:
    require_curator(user, topic)
    actor = topic_actor(topic)
    followers = Follower.objects.filter(actor=actor).select_related("remote").order_by("-id")
    return {
        "actor": actor,
        "followers": followers,
        "follower_count": followers.filter(status=Follower.Status.ACCEPTED).count(),
        "blocks": Block.objects.filter(actor=actor).order_by("-id"),
        "following": RemoteFollow.objects.filter(actor=actor).select_related("remote"),
        "deleted_posts": deleted_scooped_posts(topic),
    }


def _follower(user: Any, topic: Topic, follower_id: int) -> Follower:
    require_curator(user, topic)
    follower = (
        Follower.objects.filter(pk=follower_id, actor=topic_actor(topic))
        .select_related("remote", "actor")
        .first()
    )
    if follower is None:
        raise ValidationError(_("This follower does not exist (any more)."))
    return follower


def remove_follower(user: Any, topic: Topic, follower_id: int, now: datetime) -> None:
    """Remove a follower and tell their server (a Reject of their Follow, as Mastodon does)."""
    follower = _follower(user, topic, follower_id)
    follow = {"id": follower.follow_id, "type": "Follow", "actor": follower.remote.uri,
              "object": None}  # fmt: skip
    with transaction.atomic():
        follow["object"] = _actor_uri(follower)
        answer_follow(follower.actor, follower.remote, follow, "Reject", now)
        follower.delete()


def decide_follower(user: Any, topic: Topic, follower_id: int, approve: bool, now) -> None:
    follower = _follower(user, topic, follower_id)
    follow = {"id": follower.follow_id, "type": "Follow", "actor": follower.remote.uri,
              "object": _actor_uri(follower)}  # fmt: skip
    with transaction.atomic():
        if approve:
            follower.status = Follower.Status.ACCEPTED
            follower.save(update_fields=["status"])
            answer_follow(follower.actor, follower.remote, follow, "Accept", now)
        else:
            answer_follow(follower.actor, follower.remote, follow, "Reject", now)
            follower.delete()


def _actor_uri(follower: Follower) -> str:
    from florilege.federation.services.actors import actor_uri

    return actor_uri(follower.actor)


def set_approval(user: Any, topic: Topic, approves: bool) -> None:
    require_curator(user, topic)
    actor = topic_actor(topic)
    actor.approves_followers = approves
    actor.save(update_fields=["approves_followers"])


def block(user: Any, topic: Topic, target: str, now: datetime) -> Block:
    """Block an instance (``example.social``) or an actor (its URL) for this topic; their
    follows end and their activities to this topic are refused."""
    require_curator(user, topic)
    actor = topic_actor(topic)
    target = target.strip()
    if target.startswith(("http://", "https://")):
        if not urlsplit(target).hostname:
            raise ValidationError(_("This address is not valid."))
        entry = Block.objects.create(actor=actor, actor_uri=target[:2000], created_at=now)
        Follower.objects.filter(actor=actor, remote__uri=target).delete()
        return entry
    domain = target.lower().lstrip("@").rsplit("@", 1)[-1]
    if not domain or "." not in domain or "/" in domain:
        raise ValidationError(_("Give an instance's domain (example.social) or an actor's URL."))
    entry = Block.objects.create(actor=actor, domain=domain[:255], created_at=now)
    Follower.objects.filter(actor=actor, remote__domain=domain).delete()
    return entry
