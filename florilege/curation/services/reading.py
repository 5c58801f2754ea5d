"""The "all items" view of a topic: every entry of its sources, newest first, read or
unread per curator (``models/reading.py`` says why a watermark plus exceptions), and
scooping one of them the way the queue does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from florilege.curation.models import EntryRead, ReadMark
from florilege.sources.models import Entry
from florilege.suggestions.models import Suggestion
from florilege.suggestions.services import ranked_suggestions
from florilege.suggestions.stories import DECIDED
from florilege.topics.models import Topic, TopicSource
from florilege.topics.permissions import Action, require

PAGE_SIZE = 30
# The cursor of the next page: the last shown item's date (microseconds since the epoch,
# may be negative for odd feeds) and id. Anything else is read as "first page".
_CURSOR = re.compile(r"(-?[0-9]{1,18})_([0-9]{1,18})")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Cursor:
    micros: int
    entry_id: int

    @classmethod
    def parse(cls, raw: object) -> Cursor | None:
        match = _CURSOR.fullmatch(raw) if isinstance(raw, str) else None
        return cls(int(match[1]), int(match[2])) if match else None

    @classmethod
    def after(cls, entry: Entry) -> Cursor:
        moment = entry.sort_at  # type: ignore[attr-defined]  # annotated by topic_items
        # Integer arithmetic: a float timestamp could land a microsecond off, and the
        # next page would then repeat or skip an item.
        return cls((moment - EPOCH) // MICROSECOND, entry.pk)

    def __str__(self) -> str:
        return f"{self.micros}_{self.entry_id}"

    @property
    def moment(self) -> datetime | None:
        try:
            return EPOCH + self.micros * MICROSECOND
        except OverflowError:
            return None


def topic_source_ids(topic: Topic) -> QuerySet:
    return TopicSource.objects.filter(topic=topic).values("source_id")


def topic_items(
    topic: Topic, user, source_id: int | None = None, unread_only: bool = False
) -> QuerySet[Entry]:
    """The entries of ``topic``'s sources (or of one of them), newest first, each with
    ``is_read`` for ``user`` and ``sort_at`` (its date: published, else fetched)."""
    mark = ReadMark.objects.filter(user=user, source_id=OuterRef("source_id")).values("up_to")
    exception = EntryRead.objects.filter(user=user, entry_id=OuterRef("pk")).values("read")
    items = Entry.objects.filter(source_id__in=topic_source_ids(topic))
    if source_id is not None:
        items = items.filter(source_id=source_id)
    items = items.annotate(
        sort_at=Coalesce("published_at", "fetched_at"),
        read_up_to=Coalesce(Subquery(mark[:1]), Value(0)),
        read_exception=Subquery(exception[:1]),
    ).annotate(
        is_read=Case(
            When(read_exception__isnull=False, then=F("read_exception")),
            When(pk__lte=F("read_up_to"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if unread_only:
        items = items.filter(is_read=False)
    return items.select_related("source", "story_member").order_by("-sort_at", "-pk")


def page_of(items: QuerySet[Entry], cursor: Cursor | None) -> tuple[list[Entry], Cursor | None]:
    """One page after ``cursor`` (keyset: no count, no offset, so the 100th page costs what
    the first does), and the cursor of the next page (None at the end)."""
    moment = cursor.moment if cursor else None
    if cursor is not None and moment is not None:
        items = items.filter(Q(sort_at__lt=moment) | Q(sort_at=moment, pk__lt=cursor.entry_id))
    rows = list(items[: PAGE_SIZE + 1])
    shown = rows[:PAGE_SIZE]
    more = len(rows) > PAGE_SIZE
    return shown, (Cursor.after(shown[-1]) if more else None)


def newest_id(topic: Topic, source_id: int | None = None) -> int:
    """The highest entry id among the items the page can show: what "mark all read" posts
    back, so entries stored after the page was shown stay unread."""
    items = Entry.objects.filter(source_id__in=topic_source_ids(topic))
    if source_id is not None:
        items = items.filter(source_id=source_id)
    return items.aggregate(top=Max("pk"))["top"] or 0


def entry_of(topic: Topic, entry_id: int) -> Entry | None:
    """The entry, if it comes from one of ``topic``'s sources."""
    return (
        Entry.objects.filter(pk=entry_id, source_id__in=topic_source_ids(topic))
        .select_related("source", "story_member")
        .first()
    )


def set_read(user, entry: Entry, read: bool, now: datetime) -> None:
    """Mark one entry read or unread. Only a departure from the watermark is stored."""
    up_to = (
        ReadMark.objects.filter(user=user, source_id=entry.source_id)
        .values_list("up_to", flat=True)
        .first()
        or 0
    )
    if read == (entry.pk <= up_to):
        EntryRead.objects.filter(user=user, entry=entry).delete()
        return
    EntryRead.objects.update_or_create(
        user=user, entry=entry, defaults={"read": read, "updated_at": now}
    )


def mark_all_read(
    user, topic: Topic, up_to: int, now: datetime, source_id: int | None = None
) -> int:
    """Everything of ``topic``'s sources (or of one) up to entry id ``up_to`` is read;
    items stored later stay unread. A watermark never moves back (a stale page posting an
    older ``up_to`` changes nothing). Returns the sources whose watermark moved."""
    sources = set(topic_source_ids(topic).values_list("source_id", flat=True))
    if source_id is not None:
        sources &= {source_id}
    if not sources or up_to <= 0:
        return 0
    with transaction.atomic():
        marks = {
            m.source_id: m
            for m in ReadMark.objects.select_for_update().filter(user=user, source_id__in=sources)
        }
        moved = [m for m in marks.values() if m.up_to < up_to]
        for mark in moved:
            mark.up_to, mark.updated_at = up_to, now
        ReadMark.objects.bulk_update(moved, ["up_to", "updated_at"])
        new = [
            ReadMark(user=user, source_id=s, up_to=up_to, updated_at=now)
            for s in sources - marks.keys()
        ]
        ReadMark.objects.bulk_create(new, ignore_conflicts=True)
        # Below the watermark everything is read now: the exceptions there are spent.
        EntryRead.objects.filter(
            user=user, entry__source_id__in=sources, entry_id__lte=up_to
        ).delete()
    return len(moved) + len(new)


def item_states(topic: Topic, entries: list[Entry]) -> dict[int, str]:
    """Where each shown entry stands in the topic: its suggestion's status ("pending",
    "scooped", "discarded"), or the decision taken on its story through another source's
    entry (a story is scooped once). Entries with neither are left out. One query."""
    ids = [e.pk for e in entries]
    wanted = set(ids)
    story_of = {
        e.pk: member.story_id
        for e in entries
        if (member := getattr(e, "story_member", None)) is not None
    }
    rows = Suggestion.objects.filter(topic=topic).filter(
        Q(entry_id__in=ids)
        | Q(entry__story_member__story_id__in=set(story_of.values()), status__in=DECIDED)
    )
    own: dict[int, str] = {}
    decided: dict[int, str] = {}
    for entry_id, story_id, status in rows.values_list(
        "entry_id", "entry__story_member__story_id", "status"
    ):
        if entry_id in wanted:
            own[entry_id] = status
        if story_id is not None and status in DECIDED:
            decided.setdefault(story_id, status)
    states = {}
    for entry_id in ids:
        state = own.get(entry_id)
        if state not in DECIDED:
            state = decided.get(story_of.get(entry_id, -1), state)
        if state:
            states[entry_id] = state
    return states


def suggestion_to_scoop(topic: Topic, entry: Entry, user, now: datetime) -> Suggestion:
    """The pending suggestion the queue's scoop form works on, for an entry picked from
    the all-items view: the existing one, or a new one scored by the topic's model as the
    suggest stage would (an entry outside the topic's languages or never suggested has
    none yet). Refused when the entry, or its story through another source, was already
    scooped or discarded here: a story is scooped once."""
    require(user, topic, Action.SCOOP_PROPOSE)
    if item_states(topic, [entry]).get(entry.pk) in DECIDED:
        raise ValidationError(_("This item has already been scooped or discarded in this topic."))
    suggestion = Suggestion.objects.filter(topic=topic, entry=entry).first()
    if suggestion is None:
        Suggestion.objects.bulk_create(
            ranked_suggestions(topic, [entry], now), ignore_conflicts=True
        )
        suggestion = Suggestion.objects.get(topic=topic, entry=entry)
    return suggestion
