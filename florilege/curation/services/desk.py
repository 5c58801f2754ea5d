"""The engagement desk's workflow: recording feedback as desk items, and the team's work
on them (status, assignee, notes, the attention flag, replies).

Feedback arrives in apps above this one (a site comment in ``publishing``, a fediverse
reply, mention, like or boost in ``federation``), which may not be imported from here. So
those apps call :func:`record` (and :func:`record_reactions`) where they store the
feedback, and register how a reply reaches its author with :func:`register_channel`;
the desk only knows channel names ("site", "fediverse"). Explicit calls rather than
``post_save`` receivers: each call site knows what its feedback means (a reply's author
and object id, whether it is public), which a generic model signal would have to guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import TaskContext, task

from florilege.curation.desk_lexicon import judge
from florilege.curation.models import DeskItem, DeskNote, DeskPreference, DeskReply, Scoop
from florilege.curation.services import audit
from florilege.curation.services.notify import notify, reviewers
from florilege.jobs import leases, outbox
from florilege.jobs.tasks import enqueue
from florilege.topics.models import Membership, Topic
from florilege.topics.permissions import Action, can, require

Kind = DeskItem.Kind
Status = DeskItem.Status
NOTE_LENGTH = 4000
REPLY_LENGTH = 2000
# Kinds a new item of which is announced to the team (a like is summarised, not announced).
ANNOUNCED = frozenset({Kind.COMMENT, Kind.REPLY, Kind.MENTION, Kind.SUGGESTION, Kind.REPORT})


@dataclass(frozen=True)
class Feedback:
    """One piece of feedback as the app that received it describes it."""

    topic: Topic
    kind: str
    key: str
    scoop: Scoop | None = None
    author_name: str = ""
    author_url: str = ""
    text: str = ""
    link: str = ""
    channels: str = ""  # "site", "fediverse", "site fediverse" or ""
    remote_id: str = ""
    remote_actor: str = ""
    reported: bool = False
    # Already dealt with before the desk existed (a moderated comment): created as done.
    handled: bool = False


# --- recording ---------------------------------------------------------------------------------


def _flag(item: DeskItem, reported: bool) -> None:
    """The automatic flag, unless a member decided by hand."""
    if item.attention_by_hand:
        return
    verdict = judge(item.text)
    if reported:
        item.needs_attention, item.attention_reason = True, "reported"
    else:
        item.needs_attention, item.attention_reason = verdict.flagged, verdict.reason[:300]


def record(feedback: Feedback, now: datetime, *, announced: bool = True) -> DeskItem:
    """Create the desk item for ``feedback``, or bring it up to date (an edited reply, a new
    report): idempotent on (topic, key), so a redelivered activity adds nothing. A new item
    is announced to the team unless ``announced`` is false (the backfill)."""
    fields = {
        "kind": feedback.kind,
        "scoop": feedback.scoop,
        "author_name": feedback.author_name[:100],
        "author_url": feedback.author_url[:2000],
        "text": feedback.text[:20000],
        "link": feedback.link[:2000],
        "channels": feedback.channels,
        "remote_id": feedback.remote_id[:2000],
        "remote_actor": feedback.remote_actor[:2000],
    }
    item = DeskItem.objects.filter(topic=feedback.topic, key=feedback.key[:300]).first()
    created = item is None
    if item is None:
        item = DeskItem(topic=feedback.topic, key=feedback.key[:300], created_at=now)
        if feedback.handled:
            item.status = Status.DONE
    changed = created or any(getattr(item, name) != value for name, value in fields.items())
    for name, value in fields.items():
        setattr(item, name, value)
    before = item.needs_attention
    _flag(item, feedback.reported)
    if not changed and before == item.needs_attention:
        return item
    item.updated_at = now
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:  # recorded by a concurrent delivery of the same feedback
        return DeskItem.objects.get(topic=feedback.topic, key=feedback.key[:300])
    if created and announced and item.kind in ANNOUNCED:
        announce(item, now)
    return item


def record_reactions(
    topic: Topic, scoop: Scoop, likes: int, boosts: int, link: str, now: datetime
) -> DeskItem | None:
    """The one item summarising a scoop's likes and boosts, with the current counts."""
    key = f"reactions:{scoop.pk}"
    item = DeskItem.objects.filter(topic=topic, key=key).first()
    if item is None:
        if not likes and not boosts:
            return None
        item = DeskItem(topic=topic, key=key, kind=Kind.REACTIONS, scoop=scoop, created_at=now)
    elif (item.likes, item.boosts) == (likes, boosts):
        return item
    # No text: the row names the scoop already.
    item.likes, item.boosts, item.link, item.updated_at = likes, boosts, link[:2000], now
    item.save()
    return item


# The apps that hold feedback register how to record what they held before the desk
# existed (``manage.py desk_backfill``); each returns how many items it recorded.
BACKFILLS: list[Callable[[datetime], int]] = []


def register_backfill(backfill: Callable[[datetime], int]) -> None:
    if backfill not in BACKFILLS:
        BACKFILLS.append(backfill)


def backfill(now: datetime) -> int:
    """Record every existing piece of feedback (idempotent: run it again, nothing doubles);
    nothing is announced, and what was already moderated or decided is marked done."""
    return sum(step(now) for step in BACKFILLS)


def resolve(topic: Topic, keys: list[str], now: datetime) -> int:
    """Mark done the items of feedback dealt with elsewhere (a comment moderated on the
    Readers page, a suggestion scooped or discarded from the queue)."""
    items = DeskItem.objects.filter(topic=topic, key__in=keys).exclude(status=Status.DONE)
    return items.update(status=Status.DONE, updated_at=now)


def forget(topic: Topic, key: str) -> int:
    """Drop the item of feedback that is gone (a reply its author deleted)."""
    return DeskItem.objects.filter(topic=topic, key=key).delete()[0]


# --- notifications ---------------------------------------------------------------------------


def preference(user) -> DeskPreference:
    """The member's choice; without a row, in-app only."""
    found = DeskPreference.objects.filter(user=user).first()
    return found or DeskPreference(user=user)


def announce(item: DeskItem, now: datetime) -> int:
    """Tell the members who work the desk, in the app, unless they turned that off. The
    email digest is the ``desk_digest`` stage's (it finds the items by ``emailed_at``)."""
    workers = reviewers(item.topic)
    muted = set(
        DeskPreference.objects.filter(user__in=workers, in_app=False).values_list(
            "user_id", flat=True
        )
    )
    text = _("New on the desk of %(topic)s: %(kind)s from %(author)s") % {
        "topic": item.topic.title,
        "kind": item.get_kind_display(),
        "author": item.author_name or _("a reader"),
    }
    url = reverse("curation:desk_item", args=[item.topic.slug, item.pk])
    recipients = [user for user in workers if user.pk not in muted]
    return notify(recipients, "desk", text, now, topic=item.topic, scoop=item.scoop, url=url)


def set_preference(user, *, in_app: bool, email_digest: bool) -> DeskPreference:
    row, _created = DeskPreference.objects.update_or_create(
        user=user, defaults={"in_app": in_app, "email_digest": email_digest}
    )
    return row


# --- reading -----------------------------------------------------------------------------------


def team_topics(user) -> QuerySet[Topic]:
    """Topics whose desk ``user`` may read: owned, or a member of (any role)."""
    if not user.is_authenticated or not user.is_active:
        return Topic.objects.none()
    member_of = Membership.objects.filter(user=user).values("topic_id")
    return Topic.objects.filter(Q(owner=user) | Q(pk__in=member_of))


def inbox(
    user, topic: Topic | None = None, *, status: str = "open", attention: bool = False
) -> QuerySet[DeskItem]:
    """Items of one topic (checked: a member may read it) or of all of ``user``'s topics;
    ``status``: "open" (new and in progress), one status, or "all"."""
    if topic is not None:
        require(user, topic, Action.VIEW_QUEUE)
        items = DeskItem.objects.filter(topic=topic)
    else:
        items = DeskItem.objects.filter(topic__in=team_topics(user))
    if status == "open":
        items = items.exclude(status=Status.DONE)
    elif status in Status.values:
        items = items.filter(status=status)
    if attention:
        items = items.filter(needs_attention=True)
    return (
        items.select_related("topic", "scoop", "assignee")
        .annotate(note_count=Count("notes", distinct=True))
        .order_by("-needs_attention", "-updated_at", "-id")
    )


def assignable(topic: Topic) -> list:
    """Who an item may be given to: the members who may work the desk."""
    return reviewers(topic)


# --- the team's work -------------------------------------------------------------------------


def _touch(item: DeskItem, now: datetime, *fields: str) -> None:
    item.updated_at = now
    item.save(update_fields=[*fields, "updated_at"])


def _about(item: DeskItem) -> dict[str, str]:
    """What the audit log says of an item: whose feedback of which kind (never its text:
    the log outlives the item)."""
    return {"kind": item.kind, "author": item.author_name}


def set_status(user, item: DeskItem, status: str, now: datetime) -> DeskItem:
    require(user, item.topic, Action.DESK_WORK)
    if status not in Status.values:
        raise ValidationError(_("Unknown status."))
    item.status = status
    with transaction.atomic():
        _touch(item, now, "status")
        audit.record(item.topic, user, "desk_status", now, item, **_about(item), status=status)
    return item


def assign(user, item: DeskItem, assignee_id: int | None, now: datetime) -> DeskItem:
    require(user, item.topic, Action.DESK_WORK)
    if assignee_id is None:
        item.assignee = None
    else:
        found = next((u for u in assignable(item.topic) if u.pk == assignee_id), None)
        if found is None:
            raise ValidationError(_("Assign the item to a member who works the desk."))
        item.assignee = found
        if item.status == Status.NEW:
            item.status = Status.IN_PROGRESS
    with transaction.atomic():
        _touch(item, now, "assignee", "status")
        name = item.assignee.get_username() if item.assignee else ""
        audit.record(item.topic, user, "desk_assigned", now, item, **_about(item), assignee=name)
    return item


def set_attention(user, item: DeskItem, flagged: bool, now: datetime) -> DeskItem:
    """A member's decision, which later evidence does not override."""
    require(user, item.topic, Action.DESK_WORK)
    item.needs_attention = flagged
    item.attention_by_hand = True
    # Fixed words, said in each reader's language when shown (DeskItem.attention_text).
    item.attention_reason = ("set by " if flagged else "cleared by ") + user.get_username()
    with transaction.atomic():
        _touch(item, now, "needs_attention", "attention_by_hand", "attention_reason")
        audit.record(item.topic, user, "desk_flagged", now, item, **_about(item), flagged=flagged)
    return item


def add_note(user, item: DeskItem, text: str, now: datetime) -> DeskNote:
    require(user, item.topic, Action.DESK_NOTE)
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the note first."))
    if len(text) > NOTE_LENGTH:
        raise ValidationError(_("Keep the note under %(n)d characters.") % {"n": NOTE_LENGTH})
    with transaction.atomic():
        note = DeskNote.objects.create(item=item, author=user, text=text, created_at=now)
        _touch(item, now)
        audit.record(item.topic, user, "desk_noted", now, item, **_about(item))
    return note


# --- replies -----------------------------------------------------------------------------------

# channel -> (label, send(item, user, text, now) -> the reply's reference)
Channel = Callable[[DeskItem, object, str, datetime], str]
CHANNELS: dict[str, Channel] = {}


def register_channel(name: str, send: Channel) -> None:
    """Called by the apps that can reach an author (at start-up)."""
    CHANNELS[name] = send


def reply(user, item: DeskItem, channel: str, text: str, now: datetime) -> DeskReply:
    """Answer the author on ``channel``: the app behind it sends (a comment under theirs, a
    Note threaded under their post); the reply is kept in the item's history and the item
    is marked done."""
    require(user, item.topic, Action.DESK_WORK)
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the reply first."))
    if len(text) > REPLY_LENGTH:
        raise ValidationError(_("Keep the reply under %(n)d characters.") % {"n": REPLY_LENGTH})
    send = CHANNELS.get(channel)
    if send is None or not item.can_reply(channel):
        raise ValidationError(_("This item cannot be answered that way."))
    with transaction.atomic():
        reference = send(item, user, text, now)
        sent = DeskReply.objects.create(
            item=item, author=user, channel=channel, text=text, reference=reference[:2000],
            created_at=now,
        )  # fmt: skip
        item.status = Status.DONE
        _touch(item, now, "status")
        audit.record(item.topic, user, "desk_replied", now, item, **_about(item), channel=channel)
    return sent


# --- the daily email -------------------------------------------------------------------------

DIGEST_EVERY = timedelta(days=1)


def digests_due(now: datetime, limit: int = 50) -> int:
    """The ``desk_digest`` stage: members who asked for a daily email and were last sent
    one a day ago (or never) get a job that writes it. The window is moved forward in the
    same transaction as the job is queued, so a crash sends it once or not at all."""
    due = DeskPreference.objects.filter(email_digest=True).filter(
        Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - DIGEST_EVERY)
    )
    with transaction.atomic():
        rows = leases.lock(due.order_by("last_digest_at", "pk"), limit)
        for row in rows:
            since = row.last_digest_at or now - DIGEST_EVERY
            enqueue(send_digest, row.user_id, since.isoformat(), now.isoformat())
            DeskPreference.objects.filter(pk=row.pk).update(last_digest_at=now)
    return len(rows)


def digest_items(user, since: datetime, until: datetime) -> list[DeskItem]:
    """New announced items between ``since`` and ``until`` on the topics ``user`` works."""
    topics = [t for t in team_topics(user) if can(user, t, Action.DESK_WORK)]
    return list(
        DeskItem.objects.filter(
            topic__in=topics, kind__in=ANNOUNCED, created_at__gt=since, created_at__lte=until
        )
        .select_related("topic")
        .order_by("topic__title", "-needs_attention", "created_at")[:200]
    )


@task(takes_context=True)
def send_digest(context: TaskContext, user_id: int, since: str, until: str) -> bool:
    """Write one member's desk email through the outbox; False when nothing is new (no
    email then) or the member cannot be written to."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    items = digest_items(user, datetime.fromisoformat(since), datetime.fromisoformat(until))
    if not items:
        return False
    values = {"user": user, "items": items, "base": settings.BASE_URL}
    subject = ngettext(
        "%(n)d new item on your engagement desk", "%(n)d new items on your engagement desk",
        len(items),
    ) % {"n": len(items)}  # fmt: skip
    body = loader.render_to_string("curation/email/desk_digest.txt", values)
    message = EmailMultiAlternatives(subject, body, to=[user.email])
    outbox.deliver("desk_digest", message, about=f"user:{user.pk}", job=outbox.job_id(context))
    return True
