"""The enrichment stage: entries get their sentence vector and their story.

Runs in the worker after fetching and before suggesting, in batches. Incremental: for a
batch, indexed queries find the candidate stories (same canonical URL or a SimHash band in
common; a MinHash LSH band in common; stories seen within the window, for their centroids),
then each entry is decided in date order by ``clustering.decide`` against those
candidates plus the stories the batch itself has just made. Nothing rescans the corpus.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from django.db import connections, router, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from threadpoolctl import threadpool_limits

from florilege.jobs import leases
from florilege.lib.html import html_to_text
from florilege.lib.text import embedding, minhash
from florilege.sources.models import Entry
from florilege.suggestions import clustering
from florilege.suggestions.bulk import insert_rows
from florilege.suggestions.clustering import Policy, Signals, StoryState
from florilege.suggestions.models import Suggestion
from florilege.suggestions.story_models import Story, StoryBand, StoryMember
from florilege.suggestions.vectors import ensure_vectors
from florilege.topics.models import Topic

ENRICH_BATCH = 200
# Semantic candidates read per batch: the most recently seen stories of the window.
MAX_SEMANTIC_CANDIDATES = 5000
BAND_FIELDS = ("band0", "band1", "band2", "band3")
POLICY = Policy()


class _Index:
    """Candidate stories of one batch, kept up to date as the batch's entries join."""

    def __init__(self) -> None:
        self.states: dict[int, StoryState] = {}
        # Stored stories as read (``_STORY_FIELDS``); ``story`` makes the model instance
        # of one the batch changes.
        self.rows_of: dict[int, tuple] = {}
        self.stories: dict[int, Story] = {}
        self.by_url: dict[str, int] = {}
        self.by_band: dict[tuple[int, int], set[int]] = defaultdict(set)
        self.by_lsh: dict[int, set[int]] = defaultdict(set)
        # Row ``rows[id]`` of ``matrix`` is the centroid of story ``id`` (semantic
        # candidates); the matrix grows by doubling, so adding a story is amortised O(1).
        self.rows: dict[int, int] = {}
        self.ids: list[int] = []
        self.matrix = np.zeros((64, embedding.DIMENSIONS), np.float32)

    def candidates(self, signals: Signals, policy: Policy) -> list[StoryState]:
        found: set[int] = set()
        if signals.canonical_url in self.by_url:
            found.add(self.by_url[signals.canonical_url])
        if signals.fingerprint is not None:
            for i, band in enumerate(clustering.bands(signals.fingerprint, policy.bands)):
                found |= self.by_band.get((i, band), set())
        for key in signals.lsh:
            found |= self.by_lsh.get(key, set())
        if signals.vector is not None and self.ids:
            cosines = self.matrix[: len(self.ids)] @ signals.vector
            found.update(self.ids[i] for i in np.flatnonzero(cosines >= policy.min_cosine))
        return [self.states[i] for i in found]

    def story(self, story_id: int) -> Story:
        story = self.stories.get(story_id)
        if story is None:
            pk, first_seen, last_seen, size, centroid = self.rows_of[story_id]
            story = Story(
                pk=pk, first_seen=first_seen, last_seen=last_seen, size=size, centroid=centroid
            )
            self.stories[story_id] = story
        return story

    def set_centroids(self, story_ids: Sequence[int], centroids: Sequence[np.ndarray]) -> None:
        """Rows for many stories at once (the stored candidates of a batch)."""
        if not story_ids:
            return
        first = len(self.ids)
        self.ids.extend(story_ids)
        size = len(self.matrix)
        while size < len(self.ids):
            size *= 2
        if size > len(self.matrix):
            grown = np.zeros((size, embedding.DIMENSIONS), np.float32)
            grown[:first] = self.matrix[:first]
            self.matrix = grown
        self.matrix[first : len(self.ids)] = np.stack(centroids)
        self.rows.update({story_id: first + i for i, story_id in enumerate(story_ids)})

    def set_centroid(self, story_id: int, centroid: np.ndarray) -> None:
        row = self.rows.get(story_id)
        if row is None:
            row = self.rows[story_id] = len(self.ids)
            self.ids.append(story_id)
            if row >= len(self.matrix):
                self.matrix = np.vstack([self.matrix, np.zeros_like(self.matrix)])
        self.matrix[row] = centroid

    def add(self, story: StoryState, signals: Signals, policy: Policy) -> None:
        self.states[story.story_id] = story
        if signals.canonical_url:
            self.by_url.setdefault(signals.canonical_url, story.story_id)
        if signals.fingerprint is not None:
            for i, band in enumerate(clustering.bands(signals.fingerprint, policy.bands)):
                self.by_band[(i, band)].add(story.story_id)
        for key in signals.lsh:
            self.by_lsh[key].add(story.story_id)
        if story.centroid is not None:
            self.set_centroid(story.story_id, story.centroid)


def entry_date(entry: Entry) -> datetime:
    return entry.published_at or entry.updated_at or entry.fetched_at


def _signals(entry: Entry, vector: np.ndarray | None) -> Signals:
    usable = vector is not None and bool(np.any(vector))
    text = html_to_text(entry.content or entry.summary, max_length=minhash.MAX_CHARS)
    return Signals(
        date=entry_date(entry),
        canonical_url=entry.canonical_url,
        fingerprint=entry.fingerprint,
        vector=vector if usable else None,
        minhash=minhash.signature(f"{entry.title}\n{text}"),
    )


def _in_list(values: Sequence[Any]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def _raw_rows(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Rows of a read on the stories' tables. The candidate lookups pass thousands of
    values (16 LSH keys and 4 bands per entry): the ORM prepared each one through its
    lookup machinery, which was a third of the clustering time (bench-dedup profile)."""
    connection = connections[router.db_for_read(StoryMember)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _window_params(since: datetime, until: datetime) -> list[Any]:
    connection = connections[router.db_for_read(StoryMember)]
    return [connection.ops.adapt_datetimefield_value(d) for d in (since, until)]


def _member_rows(
    signals: Sequence[Signals], since: datetime, until: datetime, policy: Policy
) -> list[tuple[int, str, int | None, bool]]:
    """(story id, canonical URL, fingerprint, seen within the window) of the members that
    share a canonical URL (any date) or a SimHash band (within the window) with the batch."""
    urls = sorted({s.canonical_url for s in signals if s.canonical_url})
    band_values: list[set[int]] = [set() for _ in range(policy.bands)]
    for s in signals:
        if s.fingerprint is not None:
            for i, band in enumerate(clustering.bands(s.fingerprint, policy.bands)):
                band_values[i].add(band)
    quote = connections[router.db_for_read(StoryMember)].ops.quote_name
    within = f"{quote('seen_at')} >= %s AND {quote('seen_at')} <= %s"
    where: list[str] = []
    params: list[Any] = []
    if urls:
        where.append(f"{quote('canonical_url')} IN {_in_list(urls)}")
        params += urls
    bands = [(name, sorted(v)) for name, v in zip(BAND_FIELDS, band_values, strict=True) if v]
    if bands:
        where.append(
            "(("
            + " OR ".join(f"{quote(name)} IN {_in_list(values)}" for name, values in bands)
            + f") AND {within})"
        )
        params += [v for _, values in bands for v in values] + _window_params(since, until)
    if not where:
        return []
    table = quote(StoryMember._meta.db_table)
    sql = (
        f"SELECT {quote('story_id')}, {quote('canonical_url')}, {quote('fingerprint')}, "
        f"CASE WHEN {within} THEN 1 ELSE 0 END FROM {table} WHERE " + " OR ".join(where)
    )
    rows = _raw_rows(sql, _window_params(since, until) + params)
    return [(story, url, fingerprint, bool(inside)) for story, url, fingerprint, inside in rows]


def _lsh_rows(
    keys: Sequence[int], since: datetime, until: datetime
) -> list[tuple[int, int, int, bytes | memoryview | None]]:
    """(LSH key, story id, member id, member's MinHash) of the members within the window
    that share an LSH band key with the batch."""
    if not keys:
        return []
    quote = connections[router.db_for_read(StoryBand)].ops.quote_name
    band, member = quote(StoryBand._meta.db_table), quote(StoryMember._meta.db_table)
    sql = (
        f"SELECT DISTINCT b.{quote('key')}, m.{quote('story_id')}, b.{quote('member_id')}, "
        f"m.{quote('minhash')} FROM {band} b INNER JOIN {member} m "
        f"ON m.{quote('entry_id')} = b.{quote('member_id')} "
        f"WHERE b.{quote('key')} IN {_in_list(keys)} "
        f"AND b.{quote('seen_at')} >= %s AND b.{quote('seen_at')} <= %s"
    )
    return _raw_rows(sql, [*keys, *_window_params(since, until)])


# Fields of a stored story the batch reads (and writes back when an entry joins it).
_STORY_FIELDS = ("pk", "first_seen", "last_seen", "size", "centroid")


def _load_index(signals: Sequence[Signals], policy: Policy) -> _Index:
    dates = [s.date for s in signals]
    since, until = min(dates) - policy.window, max(dates) + policy.window
    member_rows = _member_rows(signals, since, until, policy)
    lsh_keys = sorted({k for s in signals for k in s.lsh})
    lsh_rows = _lsh_rows(lsh_keys, since, until)
    recent = Story.objects.filter(
        last_seen__gte=since, first_seen__lte=until, centroid__isnull=False
    ).order_by("-last_seen")
    index = _Index()
    needed = {r[0] for r in member_rows} | {r[1] for r in lsh_rows}
    # Stories of URL/band matches may be older than the window (a URL matches any time).
    # Plain rows, not model instances: a batch reads up to MAX_SEMANTIC_CANDIDATES stories
    # and joins a few; ``_Batch`` makes a ``Story`` of those only.
    rows = {r[0]: r for r in recent.values_list(*_STORY_FIELDS)[:MAX_SEMANTIC_CANDIDATES]}
    missing = needed - rows.keys()
    if missing:
        rows.update(
            {r[0]: r for r in Story.objects.filter(pk__in=missing).values_list(*_STORY_FIELDS)}
        )
    index.rows_of = rows
    with_centroid = [r for r in rows.values() if r[4]]
    centroids = (
        np.frombuffer(b"".join(bytes(r[4]) for r in with_centroid), dtype=np.float16)
        .reshape(len(with_centroid), embedding.DIMENSIONS)
        .astype(np.float32)
    )
    for story_id, first_seen, last_seen, _size, centroid in rows.values():
        if not centroid:
            index.states[story_id] = StoryState(story_id, first_seen, last_seen)
    in_window: list[int] = []
    window_rows: list[np.ndarray] = []
    for (story_id, first_seen, last_seen, _size, _), centroid in zip(
        with_centroid, centroids, strict=True
    ):
        index.states[story_id] = StoryState(story_id, first_seen, last_seen, centroid=centroid)
        if since <= last_seen and first_seen <= until:
            in_window.append(story_id)
            window_rows.append(centroid)
    index.set_centroids(in_window, window_rows)
    for story_id, url, fingerprint, inside in member_rows:
        state = index.states[story_id]
        if url:
            state.canonical_urls.add(url)
            index.by_url.setdefault(url, story_id)
        if fingerprint is not None and inside:
            state.fingerprints.append(fingerprint)
            for i, band in enumerate(clustering.bands(fingerprint, policy.bands)):
                index.by_band[(i, band)].add(story_id)
    seen_members: set[int] = set()
    for key, story_id, member_id, signature in lsh_rows:
        index.by_lsh[key].add(story_id)
        if signature and member_id not in seen_members:
            seen_members.add(member_id)
            index.states[story_id].minhashes.append(minhash.from_bytes(signature))
    return index


def assign_stories(
    entries: Sequence[Entry], now: datetime, policy: Policy = POLICY
) -> dict[int, int]:
    """Give each entry of ``entries`` (without a story yet) its story: join or start one.
    Returns {entry id: story id}. Idempotent: entries already placed are left alone.

    Queries per batch, whatever its size: placed entries, vectors (read, write), the
    candidate index (members, stories), then one insert of new stories, one update of
    joined ones and one insert of members.
    """
    placed = set(
        StoryMember.objects.filter(entry_id__in=[e.pk for e in entries]).values_list(
            "entry_id", flat=True
        )
    )
    todo = sorted((e for e in entries if e.pk not in placed), key=lambda e: (entry_date(e), e.pk))
    if not todo:
        return {}
    vectors = ensure_vectors(todo, now)
    signals = {e.pk: _signals(e, vectors.get(e.pk)) for e in todo}
    index = _load_index(list(signals.values()), policy)
    batch = _Batch(index, now)
    members: list[StoryMember] = []
    # One BLAS thread: these are small matrix-vector products, and a busy machine makes
    # BLAS threads wait on each other (measured: 10x slower under load).
    with threadpool_limits(1, user_api="blas"):
        for entry in todo:
            sig = signals[entry.pk]
            decision = clustering.decide(sig, index.candidates(sig, policy), policy)
            state, story = batch.place(decision, sig)
            index.add(state, sig, policy)
            members.append(_member(entry, sig, story, decision, now, policy))
    with transaction.atomic():
        # Returns primary keys on PostgreSQL and SQLite >= 3.35, so members can point at them.
        Story.objects.bulk_create(batch.new)
        if batch.joined:
            fields = ["first_seen", "last_seen", "size", "centroid"]
            Story.objects.bulk_update(list(batch.joined.values()), fields)
        for member in members:
            member.story_id = member.story.pk
        names = [f.attname for f in StoryMember._meta.concrete_fields]
        insert_rows(StoryMember, [{n: getattr(m, n) for n in names} for m in members])
        insert_rows(
            StoryBand,
            [
                {"member_id": m.entry_id, "key": key, "seen_at": m.seen_at}
                for m in members
                for key in signals[m.entry_id].lsh
            ],
        )
    return {m.entry_id: m.story_id for m in members}


# Stories made by the current batch get provisional ids above any real one until inserted
# (so ties in ``clustering.decide`` still favour stored, older stories).
_PROVISIONAL = 1 << 62


class _Batch:
    """Stories the batch creates or grows, written at the end in bulk."""

    def __init__(self, index: _Index, now: datetime) -> None:
        self.index = index
        self.now = now
        self.new: list[Story] = []
        self.provisional: dict[int, Story] = {}
        self.joined: dict[int, Story] = {}

    def place(self, decision: clustering.Decision, sig: Signals) -> tuple[StoryState, Story]:
        if decision.story_id is None:
            story = Story(
                first_seen=sig.date,
                last_seen=sig.date,
                size=1,
                centroid=embedding.to_bytes(sig.vector) if sig.vector is not None else None,
                created_at=self.now,
            )
            story_id = _PROVISIONAL + len(self.new)
            self.new.append(story)
            self.provisional[story_id] = story
            state = StoryState(story_id, sig.date, sig.date, centroid=sig.vector)
        else:
            state = self.index.states[decision.story_id]
            story = self.provisional.get(decision.story_id) or self.index.story(decision.story_id)
            if decision.story_id < _PROVISIONAL:
                self.joined[decision.story_id] = story
            state.centroid = clustering.merged_centroid(state.centroid, story.size, sig.vector)
            state.first_seen = min(state.first_seen, sig.date)
            state.last_seen = max(state.last_seen, sig.date)
            story.size += 1
            story.first_seen, story.last_seen = state.first_seen, state.last_seen
            if state.centroid is not None:
                story.centroid = embedding.to_bytes(state.centroid)
        if sig.canonical_url:
            state.canonical_urls.add(sig.canonical_url)
        if sig.fingerprint is not None:
            state.fingerprints.append(sig.fingerprint)
        if sig.minhash is not None:
            state.minhashes.append(sig.minhash)
        return state, story


def _member(
    entry: Entry,
    sig: Signals,
    story: Story,
    decision: clustering.Decision,
    now: datetime,
    policy: Policy,
) -> StoryMember:
    band_values = (
        clustering.bands(sig.fingerprint, policy.bands)
        if sig.fingerprint is not None
        else (None,) * len(BAND_FIELDS)
    )
    return StoryMember(
        entry_id=entry.pk,
        story=story,  # its id is set once the batch's new stories are inserted
        reason=decision.reason,
        similarity=decision.similarity,
        seen_at=sig.date,
        canonical_url=sig.canonical_url[:2000],
        fingerprint=sig.fingerprint,
        minhash=minhash.to_bytes(sig.minhash) if sig.minhash is not None else None,
        **dict(zip(BAND_FIELDS, band_values, strict=True)),
        joined_at=now,
    )


def enrich_pending(now: datetime, limit: int = ENRICH_BATCH) -> int:
    """One batch of the enrichment stage: entries not yet enriched (found through their
    own partial index, whether or not they were suggested already) get their sentence
    vector and story. Returns the entries done."""
    with transaction.atomic():
        pending = Entry.objects.filter(enriched_at__isnull=True).order_by("id")
        entries = leases.lock(pending, limit, of=("self",))
        assign_stories(entries, now)
        Entry.objects.filter(pk__in=[e.pk for e in entries]).update(enriched_at=now)
    return len(entries)


# The curation queue: one card per story.

DECIDED = (Suggestion.Status.SCOOPED, Suggestion.Status.DISCARDED)


def story_queue(topic: Topic) -> QuerySet[Suggestion]:
    """Pending suggestions of ``topic``, one per story: the best-scored of its story (ties:
    the newest suggestion), in queue order. Entries without a story yet stand alone.

    The best score, not the earliest entry, picks the card: the card's place in the queue
    is its score, and the curator can switch to any other source on the scoop form."""
    pending = Suggestion.objects.filter(topic=topic, status=Suggestion.Status.PENDING)
    # Both subqueries walk the card's story (its few members, by the story index), then
    # look each member's suggestion up by (topic, entry). Written the other way round
    # (suggestions of the topic joined to their story), SQLite without statistics reads
    # the topic's whole queue above the card for every card: seconds for a page 20 cursors
    # deep at 100,000 pending, where this costs what the first page does.
    story = OuterRef("entry__story_member__story_id")
    better_member = Suggestion.objects.filter(
        topic=topic, status=Suggestion.Status.PENDING, entry_id=OuterRef("entry_id")
    ).filter(
        Q(score__gt=OuterRef(OuterRef("score")))
        | Q(score=OuterRef(OuterRef("score")), pk__gt=OuterRef(OuterRef("pk")))
    )
    better = StoryMember.objects.filter(story_id=story).filter(Exists(better_member))
    # A source that brings a story after the curator scooped or discarded it adds nothing.
    decided_member = Suggestion.objects.filter(
        topic=topic, status__in=DECIDED, entry_id=OuterRef("entry_id")
    )
    decided = StoryMember.objects.filter(story_id=story).filter(Exists(decided_member))
    # The story's id, not its StoryMember row: a one-to-one row loaded with select_related
    # and the entry point at each other, a reference cycle that reference counting never
    # frees. Every card's entry then waited for the cycle collector, whose full passes over
    # a page's worth of such garbage were the API queue's slowest requests (bench-api).
    return (
        pending.filter(~Exists(better), ~Exists(decided))
        .annotate(story_id=F("entry__story_member__story_id"))
        .select_related("entry", "entry__source")
        .order_by("-score", "-id")
    )


def attach_story_sources(suggestions: Iterable[Suggestion]) -> None:
    """Give each suggestion ``story_others``: the entries of its story from other sources
    (one per source, earliest first). One query for the whole page."""
    items = list(suggestions)
    by_story: dict[int, list[Suggestion]] = defaultdict(list)
    for suggestion in items:
        suggestion.story_others = []
        story_id = getattr(suggestion, "story_id", None)  # story_queue's annotation
        if story_id is not None:
            by_story[story_id].append(suggestion)
    if not by_story:
        return
    # Entries with their story's id rather than StoryMember rows with their entry: no
    # reference cycle between the two (see story_queue).
    others = (
        Entry.objects.filter(story_member__story_id__in=by_story)
        .annotate(member_story_id=F("story_member__story_id"))
        .select_related("source")
        .order_by("story_member__seen_at", "id")
    )
    for other in others:
        for suggestion in by_story[other.member_story_id]:
            sources = {suggestion.entry.source_id} | {e.source_id for e in suggestion.story_others}
            if other.source_id not in sources:
                suggestion.story_others.append(other)


def story_entries(entry: Entry) -> list[Entry]:
    """The entries of ``entry``'s story (itself included), earliest first."""
    member = StoryMember.objects.filter(entry=entry).first()
    if member is None:
        return [entry]
    return [
        m.entry
        for m in StoryMember.objects.filter(story_id=member.story_id)
        .select_related("entry", "entry__source")
        .order_by("seen_at", "entry_id")
    ]


def close_story(suggestion: Suggestion, status: str, curator, now: datetime) -> int:
    """Once a curator decides one suggestion of a story, the topic's other pending
    suggestions of that story leave the queue with the same decision. Returns how many."""
    member = StoryMember.objects.filter(entry_id=suggestion.entry_id).first()
    if member is None:
        return 0
    return (
        Suggestion.objects.filter(
            topic_id=suggestion.topic_id,
            status=Suggestion.Status.PENDING,
            entry__story_member__story_id=member.story_id,
        )
        .exclude(pk=suggestion.pk)
        .update(status=status, decided_at=now, decided_by=curator)
    )
