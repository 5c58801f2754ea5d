"""The fediverse's part of the engagement desk: replies, mentions, likes and boosts become
desk items, and the desk answers as the topic's actor, threaded under the original.

``curation`` may not import this app, so the inbox handlers call the desk's ``record``
here, and :func:`answer` is registered as the desk's "fediverse" channel at start-up.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils.html import strip_tags

from florilege.curation.models import DeskItem, DeskReply, Scoop
from florilege.curation.services import desk
from florilege.federation import activities, ids
from florilege.federation.contexts import PUBLIC
from florilege.federation.models import Reaction, RemoteActor, ReplyAuthor
from florilege.federation.services.actors import ensure_keys, topic_actor
from florilege.federation.services.outbox import send
from florilege.lib.urls import http_href
from florilege.publishing.models import Comment
from florilege.publishing.services.comments import desk_feedback
from florilege.topics.models import Topic


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _id(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def record_reply(comment: Comment, author_uri: str, now: datetime) -> DeskItem:
    """A fediverse reply to a scoop (already stored as a comment awaiting moderation)."""
    return desk.record(replace(desk_feedback(comment), remote_actor=author_uri[:2000]), now)


def backfill(now: datetime) -> int:
    """The desk's items for replies, likes and boosts received before it existed."""
    count = 0
    authors = ReplyAuthor.objects.select_related("comment__scoop__topic")
    for written in authors.iterator():
        comment = written.comment
        feedback = desk_feedback(comment)
        desk.record(
            replace(
                feedback, remote_actor=written.actor_uri, handled=comment.moderated_at is not None
            ),
            comment.created_at,
            announced=False,
        )
        count += 1
    liked = Reaction.objects.values("scoop_id").distinct()
    for scoop in Scoop.objects.filter(pk__in=liked).select_related("topic"):
        count += record_reactions(scoop, now) is not None
    return count


def forget_reply(comment: Comment) -> None:
    desk.forget(comment.scoop.topic, f"comment:{comment.pk}")


def mentioned_topics(obj: dict[str, Any]) -> list[Topic]:
    """The public topics whose actor a post mentions (a ``Mention`` tag naming it)."""
    slugs = []
    for tag in _as_list(obj.get("tag")):
        if isinstance(tag, dict) and tag.get("type") == "Mention":
            found = ids.actor_from_uri(_id(tag.get("href")))
            if found and found[0] == "topic":
                slugs.append(found[1])
    return list(Topic.objects.filter(slug__in=slugs, is_public=True)) if slugs else []


def record_mention(
    topics: list[Topic], obj: dict[str, Any], author: tuple[str, str], sender: str, now: datetime
) -> int:
    """A public post mentioning topics: one desk item per topic, answerable there."""
    object_id = _id(obj)
    if not object_id:
        return 0
    text = " ".join(html.unescape(strip_tags(activities.text(obj, "content"))).split())
    link = http_href(activities.text(obj, "url") or object_id)
    for topic in topics:
        desk.record(
            desk.Feedback(
                topic=topic, kind=DeskItem.Kind.MENTION, key=f"mention:{object_id}"[:300],
                author_name=author[0], author_url=author[1], text=text, link=link,
                channels="fediverse", remote_id=object_id, remote_actor=sender,
            ),
            now,
        )  # fmt: skip
    return len(topics)


def record_reactions(scoop: Scoop, now: datetime) -> DeskItem | None:
    """The scoop's desk summary of likes and boosts, with the counts as they are now."""
    counts = Reaction.objects.filter(scoop=scoop).aggregate(
        likes=Count("pk", filter=Q(kind=Reaction.Kind.LIKE)),
        boosts=Count("pk", filter=Q(kind=Reaction.Kind.ANNOUNCE)),
    )
    link = settings.BASE_URL + scoop.get_absolute_url()
    return desk.record_reactions(scoop.topic, scoop, counts["likes"], counts["boosts"], link, now)


def reply_note(
    item: DeskItem, author: RemoteActor, text: str, now: datetime, note_id: str = ""
) -> dict[str, Any]:
    """The topic actor's answer: a public Note in reply to the author's post, addressed to
    them and mentioning them (Mastodon notifies on the Mention tag, not on ``to``). Made
    again, the same, from the stored reply when its id is fetched (:func:`sent_note`)."""
    actor = ids.topic_actor(item.topic.slug)
    handle = f"@{author.username}@{author.domain}" if author.username else author.uri
    href = html.escape(http_href(author.url or author.uri), quote=True)
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    link = f'<a href="{href}" class="u-url mention">{html.escape(handle)}</a>'
    mention = f'<p><span class="h-card">{link}</span></p>'
    return {
        "id": note_id or ids.new_desk_note_id(),
        "type": "Note",
        "attributedTo": actor,
        "inReplyTo": item.remote_id,
        "content": mention + paragraphs,
        "published": activities.iso(now),
        "to": [author.uri],
        "cc": [PUBLIC],
        "tag": [{"type": "Mention", "href": author.uri, "name": handle}],
        "sensitive": False,
    }


def sent_reply(token: str) -> DeskReply | None:
    """The desk's fediverse reply whose Note id ends in ``token``, while its topic is
    public and the feedback it answers is still on the desk."""
    return (
        DeskReply.objects.filter(
            channel="fediverse", reference=ids.desk_note(token), item__topic__is_public=True
        )
        .select_related("item__topic", "item__scoop")
        .first()
    )


def sent_note(reply: DeskReply) -> dict[str, Any] | None:
    """The Note of a reply sent from the desk, as it was delivered (None when its
    addressee is no longer known here)."""
    author = RemoteActor.objects.filter(uri=reply.item.remote_actor).first()
    if author is None:
        return None
    return reply_note(reply.item, author, reply.text, reply.created_at, reply.reference)


def answer(item: DeskItem, user: Any, text: str, now: datetime) -> str:
    """The desk's "fediverse" channel: a Create of the reply Note, delivered to the author's
    inbox by the ``deliver`` stage like any activity of ours. Returns the Note's id."""
    if not item.remote_id or not item.remote_actor:
        raise ValueError("this item has no fediverse post to answer")
    author = RemoteActor.objects.filter(uri=item.remote_actor).first()
    if author is None or not (author.inbox or author.shared_inbox):
        raise ValueError("the author's inbox is unknown")
    local = ensure_keys(topic_actor(item.topic))
    note = reply_note(item, author, text, now)
    activity = activities.wrap(
        "Create", note["attributedTo"], note, now=now, to=note["to"], cc=note["cc"]
    )
    send(local, activity, [author.inbox or author.shared_inbox], now, scoop=item.scoop)
    return note["id"]
