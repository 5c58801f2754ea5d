"""The suggestion queue seen from a reader app: each topic the user may see the queue of is
a category, a label and a feed; its pending suggestions, one per story and best first
(``suggestions.stories.story_queue``, the web queue's own query), are the items. An item is
unread until the user marks it read, which either keeps it in the queue as seen or
discards it (the user's choice, ``ReaderPreference``); a star is a scoop, made by the
curation services with the same permissions as the web."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from florilege.curation.services import scooping
from florilege.lib.params import MAX_ID
from florilege.readers.models import ReaderPreference, ReadMeaning, SeenSuggestion
from florilege.suggestions.models import Suggestion
from florilege.suggestions.stories import story_queue
from florilege.topics.models import Topic
from florilege.topics.permissions import Action, can, is_site_admin

UNREAD, READ, ALL, STARRED = "unread", "read", "all", "starred"
SNAPSHOT_SECONDS = 60
MAX_SNAPSHOT = 20000
# Starred items listed: the user's most recent scoops from a reader app or the queue.
STARRED_LIMIT = 1000


def topics_of(user) -> list[Topic]:
    """The topics whose queue the user may see, by title (one query)."""
    topics = Topic.objects.all()
    if not is_site_admin(user):
        topics = topics.filter(Q(owner=user) | Q(memberships__user=user)).distinct()
    return list(topics.order_by("title", "pk"))


def items(user, topics: Iterable[Topic], state: str) -> QuerySet[Suggestion]:
    """The items of ``topics`` in ``state``, best first (the queue's order across topics:
    by score, ties by newest)."""
    topics = list(topics)
    if state == STARRED:
        return (
            Suggestion.objects.filter(
                topic__in=topics, status=Suggestion.Status.SCOOPED, decided_by=user
            )
            .select_related("entry", "entry__source", "topic")
            .order_by("-decided_at", "-id")
        )
    if not topics:
        return Suggestion.objects.none()
    combined = story_queue(topics[0])
    for topic in topics[1:]:
        combined = combined | story_queue(topic)
    seen = SeenSuggestion.objects.filter(user=user, suggestion=OuterRef("pk"))
    if state == UNREAD:
        combined = combined.filter(~Exists(seen))
    elif state == READ:
        combined = combined.filter(Exists(seen))
    return combined.select_related("topic").order_by("-score", "-id")


def _generation_key(user) -> str:
    # The join time too: an id reused by a later account (or a test) never meets a list
    # cached for the earlier one.
    joined = int(user.date_joined.timestamp() * 1_000_000)
    return f"readers:gen:{user.pk}:{joined}"


def changed(user) -> None:
    """Forget the user's cached orders (after a read, unread, star or discard)."""
    try:
        cache.incr(_generation_key(user))
    except ValueError:  # nothing cached yet
        cache.set(_generation_key(user), 1, None)


def ordered_ids(user, topics: list[Topic], state: str) -> list[int]:
    """The ids of ``items(user, topics, state)`` in queue order, kept for a sync.

    A reader app reads a stream in pages (ids, then contents; or Miniflux pages with a
    total), and the queue's one-per-story query costs the same for every page: the order is
    computed once and kept for ``SNAPSHOT_SECONDS`` per user, stream and state, and any
    change the user makes through these APIs starts a new one. What each item *is* (read,
    starred, discarded) is always read fresh; only membership in the list may lag, by at
    most that long, behind changes made elsewhere (the web queue, another process with a
    per-process cache)."""
    generation = cache.get(_generation_key(user), 0)
    topic_key = ",".join(str(t.pk) for t in topics)
    digest = hashlib.sha256(topic_key.encode()).hexdigest()[:32]
    key = f"{_generation_key(user)}:{generation}:{state}:{digest}"
    found = cache.get(key)
    if found is None:
        found = list(items(user, topics, state).values_list("pk", flat=True)[:MAX_SNAPSHOT])
        cache.set(key, found, SNAPSHOT_SECONDS)
    return found


def _with_entries(pks: list[int]) -> list[Suggestion]:
    """The suggestions of ``pks`` with their entries and sources, and their topics fetched
    once (a page of 100 items of one topic reads one topic row, not 100 copies of its
    JSON fields)."""
    rows = list(
        Suggestion.objects.filter(pk__in=pks)
        .select_related("entry", "entry__source")
        .defer("reasons")
    )
    topics = Topic.objects.in_bulk({s.topic_id for s in rows})
    for suggestion in rows:
        suggestion.topic = topics[suggestion.topic_id]
    return rows


def in_order(pks: list[int]) -> list[Suggestion]:
    """The suggestions of ``pks`` with their entries, in the order of ``pks``."""
    by_pk = {s.pk: s for s in _with_entries(pks)}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def seen_ids(user, suggestion_ids: Iterable[int]) -> set[int]:
    return set(
        SeenSuggestion.objects.filter(user=user, suggestion_id__in=list(suggestion_ids))
        .values_list("suggestion_id", flat=True)
    )  # fmt: skip


def read_means(user) -> str:
    pref = ReaderPreference.objects.filter(user=user).values_list("read_means", flat=True)
    return pref.first() or ReadMeaning.SEEN


def set_read_means(user, value: str) -> None:
    if value not in ReadMeaning.values:
        raise ValidationError("unknown choice")
    ReaderPreference.objects.update_or_create(user=user, defaults={"read_means": value})


@dataclass
class Outcome:
    """What a batch of changes did: how many items changed, and the refusals met."""

    changed: int = 0
    refused: list[str] = field(default_factory=list)

    def refuse(self, exc: Exception) -> None:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        if text not in self.refused:
            self.refused.append(text)


def visible(user, ids: Iterable[int]) -> list[Suggestion]:
    """The suggestions of ``ids`` in topics the user may see the queue of."""
    wanted = [pk for pk in list(ids)[:10000] if 0 < pk <= MAX_ID]
    found = _with_entries(wanted)
    allowed: dict[int, bool] = {}
    kept = []
    for suggestion in found:
        if suggestion.topic_id not in allowed:
            allowed[suggestion.topic_id] = can(user, suggestion.topic, Action.VIEW_QUEUE)
        if allowed[suggestion.topic_id]:
            kept.append(suggestion)
    return kept


def mark_read(user, ids: Iterable[int], now: datetime, discard: bool | None = None) -> Outcome:
    """Mark items read: seen (kept in the queue) or discarded, as the user chose; someone
    who may not discard in a topic only marks its items seen. ``discard`` forces a choice
    (Miniflux's "removed" status)."""
    if discard is None:
        discard = read_means(user) == ReadMeaning.DISCARD
    outcome = Outcome()
    suggestions = [s for s in visible(user, ids) if s.status == Suggestion.Status.PENDING]
    to_see = []
    for suggestion in suggestions:
        if discard and can(user, suggestion.topic, Action.DISCARD):
            try:
                scooping.discard_suggestion(suggestion, user, now)
                outcome.changed += 1
            except ValidationError as exc:  # decided meanwhile by someone else
                outcome.refuse(exc)
        else:
            to_see.append(SeenSuggestion(user=user, suggestion=suggestion, seen_at=now))
    SeenSuggestion.objects.bulk_create(to_see, ignore_conflicts=True)
    outcome.changed += len(to_see)
    changed(user)
    return outcome


def mark_unread(user, ids: Iterable[int]) -> Outcome:
    deleted, _rows = SeenSuggestion.objects.filter(user=user, suggestion_id__in=list(ids)).delete()
    changed(user)
    return Outcome(changed=deleted)


def mark_all_read(
    user, topics: Iterable[Topic], now: datetime, older_than: datetime | None = None
) -> Outcome:
    unread = items(user, topics, UNREAD)
    if older_than is not None:
        unread = unread.filter(created_at__lte=older_than)
    return mark_read(user, list(unread.values_list("pk", flat=True)[:10000]), now)


def star(user, ids: Iterable[int], now: datetime) -> Outcome:
    """A star is a scoop: published at once where the topic allows one-click scoops and the
    user may publish, else kept as a draft for the curator to finish (with an insight)."""
    outcome = Outcome()
    for suggestion in visible(user, ids):
        if suggestion.status != Suggestion.Status.PENDING:
            continue  # starred twice, or decided already: nothing more to do
        try:
            if suggestion.topic.allow_scoop_without_insight and can(
                user, suggestion.topic, Action.PUBLISH
            ):
                scooping.scoop_now(suggestion, user, now)
            else:
                scooping.draft_suggestion(suggestion, user, now)
            outcome.changed += 1
        except (ValidationError, PermissionDenied) as exc:
            outcome.refuse(exc)
    changed(user)
    return outcome
