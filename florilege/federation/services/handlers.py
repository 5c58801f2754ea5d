"""What each received activity does. Called by the inbox stage inside a transaction, once
per stored activity; every handler is idempotent (a redelivered activity changes nothing
more) and returns whether the activity concerned us."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from florilege.curation.models import Scoop
from florilege.federation import activities, ids
from florilege.federation.models import (
    Follower,
    InboxItem,
    LocalActor,
    Reaction,
    RemoteActor,
    RemoteFollow,
    ReplyAuthor,
)
from florilege.federation.services import desk
from florilege.federation.services.actors import actor_uri, local_actor_for_uri, remote_actor
from florilege.federation.services.outbox import send
from florilege.lib.html import images_to_links, sanitize_html
from florilege.lib.urls import http_href
from florilege.publishing.models import Comment

Handler = Callable[[InboxItem, dict[str, Any], datetime], bool]


def _comment_html(body: str) -> str:
    """A reply's HTML as the permalink shows it: sanitised, its pictures made links (the
    reader's browser loads no picture from the replier's server)."""
    return images_to_links(sanitize_html(body[:20000]))


def _id(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def handle(item: InboxItem, now: datetime) -> bool:
    activity = item.payload
    handler = HANDLERS.get(activity.get("type", ""))
    return handler(item, activity, now) if handler else False


# --- following us ----------------------------------------------------------------------------


def _follow(item: InboxItem, activity: dict[str, Any], now: datetime) -> bool:
    local = local_actor_for_uri(_id(activity.get("object")))
    if local is None or local.kind == LocalActor.Kind.INSTANCE:
        return False
    remote = remote_actor(item.remote_uri)
    status = Follower.Status.PENDING if local.approves_followers else Follower.Status.ACCEPTED
    follower, created = Follower.objects.get_or_create(
        actor=local,
        remote=remote,
        defaults={"status": status, "follow_id": _id(activity)[:2000], "created_at": now},
    )
    if not created and follower.follow_id != _id(activity):
        follower.follow_id = _id(activity)[:2000]
        follower.save(update_fields=["follow_id"])
    if follower.status == Follower.Status.ACCEPTED:
        answer_follow(local, remote, activity, "Accept", now)
    return True


def answer_follow(
    local: LocalActor, remote: RemoteActor, follow: dict[str, Any], kind: str, now: datetime
) -> None:
    """Send Accept or Reject of a Follow to the follower's own inbox."""
    follow = {k: v for k, v in follow.items() if k != "@context"}
    activity = activities.wrap(kind, actor_uri(local), follow, now=now, to=[remote.uri])
    send(local, activity, [remote.inbox or remote.shared_inbox], now)


def _undo(item: InboxItem, activity: dict[str, Any], now: datetime) -> bool:
    inner = activity.get("object")
    inner_id = _id(inner)
    kind = inner.get("type") if isinstance(inner, dict) else ""
    if not kind and inner_id:
        # Some servers undo by id only: find what that id was.
        if Follower.objects.filter(follow_id=inner_id).exists():
            kind = "Follow"
        elif Reaction.objects.filter(activity_id=inner_id).exists():
            kind = "Like"
    if kind == "Follow":
        target = local_actor_for_uri(_id(inner.get("object")) if isinstance(inner, dict) else "")
        followers = Follower.objects.filter(remote__uri=item.remote_uri)
        if target is not None:
            followers = followers.filter(actor=target)
        elif inner_id:
            followers = followers.filter(follow_id=inner_id)
        return followers.delete()[0] > 0
    if kind in {"Like", "Announce"}:
        return _undo_reaction(item, inner, inner_id, kind, now)
    return False


def _undo_reaction(item: InboxItem, inner: Any, inner_id: str, kind: str, now: datetime) -> bool:
    reactions = Reaction.objects.filter(actor_uri=item.remote_uri)
    by_id = reactions.filter(activity_id=inner_id) if inner_id else reactions.none()
    if not by_id.exists():
        pk = ids.scoop_pk_from_uri(_id(inner.get("object")) if isinstance(inner, dict) else "")
        if pk is None:
            return False
        kind_value = Reaction.Kind.LIKE if kind == "Like" else Reaction.Kind.ANNOUNCE
        by_id = reactions.filter(scoop_id=pk, kind=kind_value)
    scoops = list(Scoop.objects.filter(pk__in=by_id.values("scoop_id")))
    deleted = by_id.delete()[0] > 0
    for scoop in scoops:
        desk.record_reactions(scoop, now)
    return deleted


def _block(item: InboxItem, activity: dict[str, Any], now: datetime) -> bool:
    # They blocked one of our actors: stop sending to them.
    local = local_actor_for_uri(_id(activity.get("object")))
    if local is None:
        return False
    return Follower.objects.filter(actor=local, remote__uri=item.remote_uri).delete()[0] > 0


# --- reactions to our scoops -----------------------------------------------------------------


def _our_scoop(uri: str) -> Scoop | None:
    pk = ids.scoop_pk_from_uri(uri)
    return Scoop.objects.visible().filter(pk=pk).first() if pk else None


def _react(kind: str) -> Handler:
    def handler(item: InboxItem, activity: dict[str, Any], now: datetime) -> bool:
        scoop = _our_scoop(_id(activity.get("object")))
        if scoop is None:
            return False
        Reaction.objects.get_or_create(
            scoop=scoop,
            kind=kind,
            actor_uri=item.remote_uri,
            defaults={"activity_id": _id(activity)[:2000], "created_at": now},
        )
        desk.record_reactions(scoop, now)
        return True

    return handler


# --- remote objects: replies, edits, deletions -----------------------------------------------


def _author(item: InboxItem) -> tuple[str, str]:
    remote = RemoteActor.objects.filter(uri=item.remote_uri).first()
    if remote is None:
        return item.remote_uri[:100], ""
    handle = f"@{remote.username}@{remote.domain}" if remote.username else remote.uri
    return (remote.name or handle)[:100], http_href(remote.url or remote.uri)[:2000]


def _create(item: InboxItem, activity: dict[str, Any], now: datetime) -> bool:
    obj = activity.get("object")
    if not isinstance(obj, dict) or obj.get("type") not in {"Note", "Article", "Page"}:
        return False
    from florilege.federation.services.following import is_public

    scoop = _our_scoop(_id(obj.get("inReplyTo")))
    if scoop is None:
        followed = _from_followed_account(item, obj, now)
        return _mention(item, obj, now) or followed

    addressed = [doc for doc in (obj, activity) if doc.get("to") or doc.get("cc")]
    if addressed and not is_public(addressed[0]):
        # A followers-only reply or a private mention: a comment, once approved, is shown
        # to everyone, so what its author did not make public never becomes one. (A reply
        # addressed to nobody at all is taken as before: no server sends that as private.)
        return False
    remote_id = _id(obj)
    if not remote_id or Comment.objects.filter(remote_id=remote_id).exists():
        return True  # a redelivery
    body = activities.text(obj, "content")
    name, url = _author(item)
    comment = Comment.objects.create(
        scoop=scoop,
        origin=Comment.Origin.FEDIVERSE,
        author_name=name,
        author_url=url,
        remote_id=remote_id[:2000],
        body=body[:20000],
        body_html=_comment_html(body),
        status=Comment.Status.PENDING,
        created_at=now,
    )
    ReplyAuthor.objects.create(comment=comment, actor_uri=item.remote_uri[:2000])
    desk.record_reply(comment, item.remote_uri, now)
    return True


def _mention(item: InboxItem, obj: dict[str, Any], now: datetime) -> bool:
    """A public post that mentions a topic's actor goes to that topic's desk. Only public
    ones: a private mention answered from the desk would be answered in public."""
    from florilege.federation.services.following import is_public

    if obj.get("attributedTo", item.remote_uri) != item.remote_uri or not is_public(obj):
        return False
    topics = desk.mentioned_topics(obj)
    return (
        bool(topics) and desk.record_mention(topics, obj, _author(item), item.remote_uri, now) > 0
    )


def _reply(object_id: str, sender: str) -> tuple[Comment | None, bool]:
    """The reply comment with this remote id, and whether ``sender`` may change it: the
    origin check let only the reply's own server through, but any account there could send
    the Update or Delete; only the reply's author may. A reply received before authors
    were recorded (none stored) stays in its server's hands."""
    comment = Comment.objects.filter(remote_id=object_id).first() if object_id else None
    if comment is None:
        return None, False
    author = ReplyAuthor.objects.filter(comment=comment).values_list("actor_uri", flat=True)
    return comment, not author or author[0] == sender


def _from_followed_account(item: InboxItem, obj: dict[str, Any], now: datetime) -> bool:
    """A public post by an account one of our topics follows becomes an entry of that
    follow's source, and from there a suggestion like any feed item."""
    follows = RemoteFollow.objects.filter(
        remote__uri=item.remote_uri, status=RemoteFollow.Status.ACCEPTED, source__isnull=False
    ).select_related("source")
    if not follows or obj.get("attributedTo", item.remote_uri) != item.remote_uri:
        return False
    from florilege.federation.services.following import store_post

    for follow in follows:
        if follow.source is not None:  # always, by the filter above
            store_post(follow.source, obj, now, author=item.remote_uri)
    return True


def _update(item: InboxItem, activity: dict[str, Any], now: datetime) -> bool:
    obj = activity.get("object")
    if not isinstance(obj, dict):
        return False
    if obj.get("type") in {"Person", "Service", "Group", "Organization", "Application"}:
        # A profile or key change: refetch from the source rather than trust the payload.
        remote_actor(item.remote_uri, refresh=True)
        return True
    if obj.get("type") == "Tombstone":
        return _delete(item, {**activity, "object": obj}, now)
    comment, allowed = _reply(_id(obj), item.remote_uri)
    if comment is not None and not allowed:
        return False
    if comment is None:
        from florilege.federation.services.following import update_post

        # The origin check let only the object's own server through; the post's stored
        # author must also be the one who sends the edit.
        return update_post(item.remote_uri, obj, now)
    body = activities.text(obj, "content")
    comment.body = body[:20000]
    comment.body_html = _comment_html(body)
    comment.save(update_fields=["body", "body_html"])
    desk.record_reply(comment, item.remote_uri, now)
    return True


def _delete(item: InboxItem, activity: dict[str, Any], now: datetime) -> bool:
    object_id = _id(activity.get("object"))
    if object_id == item.remote_uri:
        # The account itself is gone: forget its follows and reactions, and take down its
        # replies, as its own server did with its posts.
        Follower.objects.filter(remote__uri=object_id).delete()
        Reaction.objects.filter(actor_uri=object_id).delete()
        written = ReplyAuthor.objects.filter(actor_uri=object_id).values("comment")
        Comment.objects.filter(pk__in=written).delete()
        return True
    comment, allowed = _reply(object_id, item.remote_uri)
    if comment is not None:
        if allowed:
            desk.forget_reply(comment)
            comment.delete()
        return allowed
    from florilege.federation.services.following import delete_post

    return delete_post(item.remote_uri, object_id, now)


# --- answers to our own Follows --------------------------------------------------------------


def _answer(status: str) -> Handler:
    def handler(item: InboxItem, activity: dict[str, Any], now: datetime) -> bool:
        inner_id = _id(activity.get("object"))
        follows = RemoteFollow.objects.filter(remote__uri=item.remote_uri)
        if inner_id:
            follows = follows.filter(follow_id=inner_id)
        return follows.update(status=status) > 0

    return handler


HANDLERS: dict[str, Handler] = {
    "Follow": _follow,
    "Undo": _undo,
    "Block": _block,
    "Like": _react(Reaction.Kind.LIKE),
    "Announce": _react(Reaction.Kind.ANNOUNCE),
    "Create": _create,
    "Update": _update,
    "Delete": _delete,
    "Accept": _answer(RemoteFollow.Status.ACCEPTED),
    "Reject": _answer(RemoteFollow.Status.REJECTED),
}
