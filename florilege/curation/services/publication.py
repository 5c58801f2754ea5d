"""A scoop's way out: drafts, proposals, approval, scheduling, edits, unpublishing.

Every function checks the caller's role (``topics/permissions.py``), changes the scoop
with a conditional update where two people could act at once, writes the audit log in the
same transaction, and notifies in the app. When a scoop becomes public, :func:`on_published`
runs: it is the one hook for everything that follows a publication (feeds out, WebSub pings,
federation deliveries, digests).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils.translation import gettext as _

from florilege.curation.models import Scoop, ScoopRevision, ScoopStatus
from florilege.curation.scheduling import ScheduleError, Slots, next_free_slot
from florilege.curation.services import audit, notify
from florilege.jobs import leases
from florilege.lib.html import html_to_text
from florilege.lib.markdown import render_markdown
from florilege.media import services as pictures
from florilege.topics.models import Topic
from florilege.topics.permissions import Action, can, require

log = logging.getLogger("florilege.curation")

# Sent after a scoop became public (sender=Scoop, scoop=..., now=...). Receivers in other
# apps (feeds, federation) connect to it; see on_published.
scoop_published = Signal()
# Sent after a public scoop was taken down (sender=Scoop, scoop=..., now=...).
scoop_unpublished = Signal()
# Sent after a public scoop's text changed (federation sends an Update).
scoop_edited = Signal()

NOW, AT, QUEUE, PROPOSE, DRAFT = "now", "at", "queue", "propose", "draft"
GOING_OUT = {NOW, AT, QUEUE}
MODES = (NOW, AT, QUEUE, PROPOSE, DRAFT)


@dataclass(frozen=True)
class PublishPlan:
    """What to do with a scoop: publish ``now``, ``at`` a time (aware), put it in the
    topic's slot ``queue``, ``propose`` it for approval, or keep it as a ``draft``."""

    mode: str = NOW
    at: datetime | None = None


def default_plan(user, topic: Topic) -> PublishPlan:
    """Editors publish at once; contributors propose."""
    return PublishPlan(NOW if can(user, topic, Action.PUBLISH) else PROPOSE)


def on_published(scoop: Scoop, now: datetime) -> None:
    """The single hook run after a scoop became public (published now, approved, or due in
    the schedule). Feeds, pings and federation hang off here (``scoop_published``)."""
    log.info("event=scoop_published scoop=%s topic=%s", scoop.pk, scoop.topic_id)
    attach_picture(scoop, now)
    scoop_published.send(sender=Scoop, scoop=scoop, now=now)


def attach_picture(scoop: Scoop, now: datetime) -> None:
    """Point the scoop at the picture row for its ``image_url`` (queued for the
    ``pictures`` stage if new): pages show it once its thumbnails are made. A row, no
    fetch: publishing never waits on another site."""
    picture = pictures.request(scoop.image_url, now) if scoop.image_url else None
    if scoop.picture_id == (picture.pk if picture else None):
        return
    scoop.picture = picture
    Scoop.objects.filter(pk=scoop.pk).update(picture=picture)


def on_unpublished(scoop: Scoop, now: datetime) -> None:
    log.info("event=scoop_unpublished scoop=%s topic=%s", scoop.pk, scoop.topic_id)
    scoop_unpublished.send(sender=Scoop, scoop=scoop, now=now)


def slots_of(topic: Topic) -> Slots:
    times = tuple(time.fromisoformat(t) for t in topic.slot_times)
    return Slots(topic.time_zone, frozenset(topic.slot_weekdays), times)


def placement(topic: Topic, user, plan: PublishPlan, now: datetime) -> tuple[str, datetime | None]:
    """The status and publication time a plan gives, after the permission and time checks.
    Raises before anything is written."""
    if plan.mode not in MODES:
        raise ValidationError(_("Unknown publishing choice."))
    if plan.mode in GOING_OUT:
        require(user, topic, Action.PUBLISH)
    else:
        require(user, topic, Action.SCOOP_PROPOSE)
    if plan.mode == NOW:
        return ScoopStatus.PUBLISHED, now
    if plan.mode == AT:
        if plan.at is None:
            raise ValidationError(_("Give the date and time to publish at."))
        if plan.at <= now:
            raise ValidationError(
                _("The publication time is in the past; choose a later date and time.")
            )
        return ScoopStatus.SCHEDULED, plan.at
    if plan.mode == QUEUE:
        return ScoopStatus.SCHEDULED, _next_slot(topic, now)
    if plan.mode == PROPOSE:
        return ScoopStatus.AWAITING, None
    return ScoopStatus.DRAFT, None


def _next_slot(topic: Topic, now: datetime) -> datetime:
    if connection.features.has_select_for_update and transaction.get_connection().in_atomic_block:
        # Two scoops queued at once must not take the same slot: queue per topic.
        Topic.objects.select_for_update().filter(pk=topic.pk).first()
    taken = Scoop.objects.filter(
        topic=topic, status=ScoopStatus.SCHEDULED, published_at__gt=now
    ).values_list("published_at", flat=True)
    try:
        # The column is nullable, but the filter on it leaves no NULL.
        return next_free_slot(slots_of(topic), now, [when for when in taken if when])
    except ScheduleError as exc:
        raise ValidationError(str(exc)) from exc


def after_create(scoop: Scoop, user, now: datetime) -> None:
    """Audit, notify and hook for a scoop just created by ``scooping`` (same transaction
    for the audit row; the hook runs once the transaction commits)."""
    topic = scoop.topic
    audit.record(topic, user, "scooped", now, scoop, status=scoop.status)
    if scoop.status == ScoopStatus.AWAITING:
        _tell_reviewers(scoop, user, now)
    elif scoop.status == ScoopStatus.PUBLISHED:
        transaction.on_commit(lambda: on_published(scoop, now))


def _tell_reviewers(scoop: Scoop, user, now: datetime) -> None:
    text = _("%(user)s proposes “%(title)s” in %(topic)s.") % {
        "user": user.get_username(),
        "title": scoop.title,
        "topic": scoop.topic.title,
    }
    url = reverse("curation:review", args=[scoop.topic.slug])
    notify.notify(
        notify.reviewers(scoop.topic, except_user=user),
        "proposal",
        text,
        now,
        topic=scoop.topic,
        scoop=scoop,
        url=url,
    )


def _move(scoop: Scoop, expected: set[ScoopStatus], **changes) -> None:
    """Change the scoop only if it is still in one of the ``expected`` states: of two
    editors approving at once, one wins and the other is told."""
    changed = Scoop.objects.filter(pk=scoop.pk, status__in=expected).update(**changes)
    if not changed:
        raise ValidationError(_("This scoop changed in the meantime; reload the page."))
    for name, value in changes.items():
        setattr(scoop, name, value)


def approve(scoop: Scoop, user, now: datetime, plan: PublishPlan | None = None) -> Scoop:
    """An editor accepts a proposal: it goes out now, at a time, or in the slot queue."""
    topic = scoop.topic
    require(user, topic, Action.APPROVE)
    plan = plan or PublishPlan(NOW)
    if plan.mode not in GOING_OUT:
        raise ValidationError(_("Approving publishes: choose now, a time, or the queue."))
    if scoop.status != ScoopStatus.AWAITING:
        raise ValidationError(_("Only scoops awaiting approval can be approved."))
    with transaction.atomic():
        status, when = placement(topic, user, plan, now)
        _move(scoop, {ScoopStatus.AWAITING}, status=status, published_at=when, updated_at=now,
              review_comment="")  # fmt: skip
        audit.record(topic, user, "approved", now, scoop, status=status, at=_iso(when))
        text = _("%(user)s approved “%(title)s”.") % {
            "user": user.get_username(),
            "title": scoop.title,
        }
        notify.notify_author(scoop, user, "approved", text, now, _author_url(scoop))
        if status == ScoopStatus.PUBLISHED:
            transaction.on_commit(lambda: on_published(scoop, now))
    return scoop


def send_back(scoop: Scoop, user, comment: str, now: datetime) -> Scoop:
    """An editor returns a proposal to its author with a comment; it becomes a draft."""
    topic = scoop.topic
    require(user, topic, Action.APPROVE)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Say what should change: the comment is sent to the author."))
    if scoop.status != ScoopStatus.AWAITING:
        raise ValidationError(_("Only scoops awaiting approval can be sent back."))
    with transaction.atomic():
        _move(scoop, {ScoopStatus.AWAITING}, status=ScoopStatus.DRAFT, review_comment=comment,
              updated_at=now)  # fmt: skip
        audit.record(topic, user, "returned", now, scoop, comment=comment)
        text = _("%(user)s sent back “%(title)s”: %(comment)s") % {
            "user": user.get_username(),
            "title": scoop.title,
            "comment": comment,
        }
        notify.notify_author(scoop, user, "returned", text, now, _author_url(scoop))
    return scoop


def submit(scoop: Scoop, user, now: datetime) -> Scoop:
    """The author proposes a draft (again, after changes) for approval."""
    topic = scoop.topic
    require(user, topic, Action.SCOOP_PROPOSE)
    if scoop.curator_id != user.pk and not can(user, topic, Action.EDIT_SCOOP):
        raise PermissionDenied(_("Only its author or an editor can propose this draft."))
    if scoop.status != ScoopStatus.DRAFT:
        raise ValidationError(_("Only drafts can be proposed."))
    with transaction.atomic():
        _move(scoop, {ScoopStatus.DRAFT}, status=ScoopStatus.AWAITING, updated_at=now)
        audit.record(topic, user, "proposed", now, scoop)
        _tell_reviewers(scoop, user, now)
    return scoop


def publish(scoop: Scoop, user, now: datetime, plan: PublishPlan | None = None) -> Scoop:
    """Publish (or schedule, or queue) a draft, an unpublished or a scheduled scoop. A
    proposal goes through :func:`approve`."""
    topic = scoop.topic
    require(user, topic, Action.PUBLISH)
    plan = plan or PublishPlan(NOW)
    if plan.mode not in GOING_OUT:
        raise ValidationError(_("Choose now, a time, or the queue."))
    if scoop.status == ScoopStatus.AWAITING:
        return approve(scoop, user, now, plan)
    allowed = {ScoopStatus.DRAFT, ScoopStatus.UNPUBLISHED, ScoopStatus.SCHEDULED}
    if scoop.status not in allowed:
        raise ValidationError(_("This scoop is already published."))
    with transaction.atomic():
        status, when = placement(topic, user, plan, now)
        _move(scoop, allowed, status=status, published_at=when, updated_at=now)
        audit.record(topic, user, "published" if status == ScoopStatus.PUBLISHED else "scheduled",
                     now, scoop, at=_iso(when))  # fmt: skip
        if status == ScoopStatus.PUBLISHED:
            transaction.on_commit(lambda: on_published(scoop, now))
    return scoop


def unpublish(scoop: Scoop, user, now: datetime) -> Scoop:
    topic = scoop.topic
    require(user, topic, Action.UNPUBLISH)
    if scoop.status not in {ScoopStatus.PUBLISHED, ScoopStatus.SCHEDULED}:
        raise ValidationError(_("This scoop is not published."))
    was_public = scoop.status == ScoopStatus.PUBLISHED
    with transaction.atomic():
        _move(scoop, {ScoopStatus.PUBLISHED, ScoopStatus.SCHEDULED},
              status=ScoopStatus.UNPUBLISHED, updated_at=now, pinned_at=None)  # fmt: skip
        audit.record(topic, user, "unpublished", now, scoop)
        if was_public:
            transaction.on_commit(lambda: on_unpublished(scoop, now))
    return scoop


def pin(scoop: Scoop, user, now: datetime, pinned: bool = True) -> Scoop:
    """Pin a published scoop to the top of its topic page (or unpin it). Saved with
    ``save()`` so the page cache hears of it like of any other change to the scoop."""
    require(user, scoop.topic, Action.PUBLISH)
    if pinned and scoop.status != ScoopStatus.PUBLISHED:
        raise ValidationError(_("Only published scoops can be pinned."))
    if bool(scoop.pinned_at) == pinned:
        return scoop
    with transaction.atomic():
        scoop.pinned_at = now if pinned else None
        scoop.save(update_fields=["pinned_at"])
        audit.record(scoop.topic, user, "pinned" if pinned else "unpinned", now, scoop)
    return scoop


def state_counts(topic: Topic) -> dict[str, int]:
    """How many scoops the topic has in each state (one query), every state present."""
    rows = (
        Scoop.objects.filter(topic=topic)
        .values_list("status")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    counts = dict.fromkeys(ScoopStatus.values, 0)
    counts.update({status: n for status, n in rows})
    return counts


def _may_edit(scoop: Scoop, user) -> bool:
    """Editors edit any scoop; authors edit their own drafts and proposals."""
    topic = scoop.topic
    if can(user, topic, Action.EDIT_SCOOP):
        return True
    own = scoop.curator_id == user.pk
    unpublished = scoop.status in {ScoopStatus.DRAFT, ScoopStatus.AWAITING}
    return own and unpublished and can(user, topic, Action.SCOOP_PROPOSE)


def may_edit(scoop: Scoop, user) -> bool:
    return _may_edit(scoop, user)


@dataclass
class ScoopEdit:
    title: str
    excerpt: str
    insight: str
    tags: list[str]


def edit(scoop: Scoop, user, changes: ScoopEdit, now: datetime) -> Scoop:
    """Change a scoop's text; the previous version is kept as a revision."""
    from florilege.curation.services.scooping import EXCERPT_LENGTH, clean_insight, clean_tags

    if not _may_edit(scoop, user):
        raise PermissionDenied(_("Only editors, or the author of a draft, edit this scoop."))
    title = html_to_text(changes.title)[:300]
    if not title.strip():
        raise ValidationError(_("The scoop needs a title."))
    new = {
        "title": title,
        "excerpt": html_to_text(changes.excerpt, max_length=EXCERPT_LENGTH),
        "insight": clean_insight(changes.insight),
        "tags": clean_tags(changes.tags),
    }
    changed = [name for name, value in new.items() if getattr(scoop, name) != value]
    if not changed:
        return scoop
    with transaction.atomic():
        ScoopRevision.objects.create(
            scoop=scoop,
            editor=user,
            created_at=now,
            title=scoop.title,
            excerpt=scoop.excerpt,
            insight=scoop.insight,
            tags=scoop.tags,
        )
        for name, value in new.items():
            setattr(scoop, name, value)
        scoop.insight_html = render_markdown(scoop.insight)
        scoop.updated_at = now
        scoop.save(update_fields=[*new, "insight_html", "updated_at"])
        audit.record(scoop.topic, user, "edited", now, scoop, fields=changed)
        if scoop.status == ScoopStatus.PUBLISHED:
            scoop_edited.send(sender=Scoop, scoop=scoop, now=now)
    return scoop


def delete(scoop: Scoop, user, now: datetime) -> None:
    topic = scoop.topic
    own_draft = scoop.curator_id == user.pk and scoop.status == ScoopStatus.DRAFT
    if not (can(user, topic, Action.DELETE_SCOOP) or (own_draft and _may_edit(scoop, user))):
        raise PermissionDenied(_("Only editors and owners delete scoops."))
    was_public = scoop.status == ScoopStatus.PUBLISHED
    with transaction.atomic():
        audit.record(topic, user, "deleted", now, scoop, url=scoop.url, title=scoop.title,
                     status=scoop.status)  # fmt: skip
        pk = scoop.pk
        scoop.delete()
        scoop.pk = pk
        if was_public:
            transaction.on_commit(lambda: on_unpublished(scoop, now))


def publish_due(now: datetime, limit: int = 100) -> int:
    """Worker stage: scheduled scoops whose time has come become published, then the hook
    runs for each. Idempotent: the state change is conditional, so a scoop two workers see
    is published (and announced) once."""
    with transaction.atomic():
        due = Scoop.objects.filter(status=ScoopStatus.SCHEDULED, published_at__lte=now).order_by(
            "published_at", "id"
        )
        ids = [scoop.pk for scoop in leases.lock(due.only("pk"), limit)]
        flipped = []
        for pk in ids:
            moved = Scoop.objects.filter(pk=pk, status=ScoopStatus.SCHEDULED).update(
                status=ScoopStatus.PUBLISHED, updated_at=now
            )
            if moved:
                flipped.append(pk)
    for scoop in Scoop.objects.filter(pk__in=flipped).select_related("topic"):
        on_published(scoop, now)
    return len(flipped)


def review_queue(topic: Topic, user):
    """Proposals waiting for an editor, oldest first (every member may look)."""
    require(user, topic, Action.VIEW_QUEUE)
    return (
        Scoop.objects.filter(topic=topic, status=ScoopStatus.AWAITING)
        .select_related("curator", "topic")
        .order_by("updated_at", "id")
    )


def update_schedule(
    topic: Topic, user, time_zone: str, weekdays: list[int], times: list[time], now: datetime
) -> Topic:
    require(user, topic, Action.MANAGE_TOPIC)
    slots = Slots(time_zone, frozenset(weekdays), tuple(times))
    try:
        slots.zone  # noqa: B018 - validates the name
    except ScheduleError as exc:
        raise ValidationError(str(exc)) from exc
    if any(d not in range(7) for d in weekdays):
        raise ValidationError(_("Weekdays are numbers from 0 (Monday) to 6 (Sunday)."))
    with transaction.atomic():
        topic.time_zone = time_zone
        topic.slot_weekdays = sorted(set(weekdays))
        topic.slot_times = [t.strftime("%H:%M") for t in sorted(set(times))]
        topic.save(update_fields=["time_zone", "slot_weekdays", "slot_times"])
        audit.record(topic, user, "schedule_changed", now, topic, time_zone=time_zone,
                     weekdays=topic.slot_weekdays, times=topic.slot_times)  # fmt: skip
    return topic


def _author_url(scoop: Scoop) -> str:
    return reverse("curation:scoops", args=[scoop.topic.slug])


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""
