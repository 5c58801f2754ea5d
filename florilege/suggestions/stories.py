"""The enrichment stage: entries get their sentence vector and their story.

Runs in the worker after fetching and before suggesting, in batches. Incremental: for a
batch, indexed queries find the candidate stories (same canonical URL or a SimHash band in
common; a MinHash LSH band in common; stories seen within the window, for their centroids),
then each entry is decided in date order by ``clustering.decide`` against those
candidates plus the stories the batch itself has just made. Nothing rescans the corpus.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Exists, F, Field, OuterRef, Q, QuerySet
from threadpoolctl import threadpool_limits

from florilege.jobs import leases
from florilege.lib.html import html_to_text
from florilege.lib.text import embedding, minhash
from florilege.sources.models import Entry
from florilege.suggestions import clustering
from florilege.suggestions.bulk import insert_values, update_values
from florilege.suggestions.clustering import Policy, Signals, StoryState
from florilege.suggestions.models import Suggestion
from florilege.suggestions.story_models import Story, StoryBand, StoryMember
from florilege.suggestions.vectors import ensure_vectors
from florilege.topics.models import Topic

ENRICH_BATCH = 200
# Semantic candidates read per batch: the most recently seen stories of the window.
MAX_SEMANTIC_CANDIDATES = 5000
BAND_FIELDS = ("band0", "band1", "band2", "band3")
# How close to the semantic threshold a cosine of the batch's matrix product must be for
# the entry's own product to be computed (``_Index._cosines``): far above their difference.
_NEAR_THRESHOLD = 1e-3
POLICY = Policy()


@dataclass(slots=True)
class _StoryRow:
    """A story as the batch writes it: a stored one it joins, or one it makes (no ``pk``
    until inserted). Not a model instance: a batch makes or joins some 200."""

    pk: int | None
    first_seen: datetime
    last_seen: datetime
    size: int
    centroid: bytes | memoryview | None


class _Index:
    """Candidate stories of one batch, kept up to date as the batch's entries join."""

    def __init__(self, to_datetime: Callable[[Any], datetime]) -> None:
        self.states: dict[int, StoryState] = {}
        # Stored stories as the database returned them (``_STORY_COLUMNS``): a batch reads
        # up to MAX_SEMANTIC_CANDIDATES for their centroids and meets a few, so their
        # dates are converted and their ``StoryState`` made when first met (``state``).
        self.rows_of: dict[int, tuple] = {}
        self.centroid_of: dict[int, np.ndarray] = {}
        self.to_datetime = to_datetime
        self.stories: dict[int, _StoryRow] = {}
        self.by_url: dict[str, int] = {}
        self.by_band: dict[tuple[int, int], set[int]] = defaultdict(set)
        self.by_lsh: dict[int, set[int]] = defaultdict(set)
        # Row ``rows[id]`` of ``matrix`` is the centroid of story ``id`` (semantic
        # candidates); the matrix grows by doubling, so adding a story is amortised O(1).
        self.rows: dict[int, int] = {}
        self.ids: list[int] = []
        self.matrix = np.zeros((64, embedding.DIMENSIONS), np.float32)
        # Rows of the matrix as stored before the batch, and those the batch has changed
        # since (``products``).
        self.stored = 0
        self.changed: set[int] = set()

    def state(self, story_id: int) -> StoryState:
        state = self.states.get(story_id)
        if state is None:
            _, first_seen, last_seen, _, _ = self.rows_of[story_id]
            state = self.states[story_id] = StoryState(
                story_id,
                self.to_datetime(first_seen),
                self.to_datetime(last_seen),
                centroid=self.centroid_of.get(story_id),
            )
        return state

    def products(self, signals: Sequence[Signals]) -> list[np.ndarray | None]:
        """The cosines of each entry's vector with the stored centroids, for the whole
        batch in one matrix product (``None``: the entry has no vector, or no story is
        stored). Call before the batch changes the index."""
        self.stored = len(self.ids)
        usable = [s.vector for s in signals if s.vector is not None]
        if not usable or not self.stored:
            return [None] * len(signals)
        found = iter(np.stack(usable) @ self.matrix[: self.stored].T)
        return [next(found) if s.vector is not None else None for s in signals]

    def _cosines(self, vector: np.ndarray, product: np.ndarray | None, floor: float) -> np.ndarray:
        """Cosines of ``vector`` with every centroid of the index: those of one entry's
        matrix-vector product (as computed before products were batched), or values that
        fall on the same side of ``floor`` for every centroid."""
        exact = self.matrix[: len(self.ids)]
        if product is None:
            return exact @ vector
        # The batch's product for stored centroids the batch left alone, this entry's own
        # for the others (changed or made by the batch).
        cosines = np.empty(len(self.ids), np.float32)
        cosines[: self.stored] = product
        if self.changed:
            rows = np.fromiter(self.changed, dtype=np.intp, count=len(self.changed))
            cosines[rows] = self.matrix[rows] @ vector
        cosines[self.stored :] = exact[self.stored :] @ vector
        # The product adds its terms in another order: a cosine may differ in its last
        # bits from one entry's product (by 1e-5 at most for unit vectors of 512 values).
        # Far from the threshold that cannot change a candidate; near it, the entry's own
        # product decides, as it always did.
        if np.any(np.abs(cosines - floor) < _NEAR_THRESHOLD):
            return exact @ vector
        return cosines

    def candidates(
        self, signals: Signals, policy: Policy, product: np.ndarray | None = None
    ) -> list[StoryState]:
        found: set[int] = set()
        if signals.canonical_url in self.by_url:
            found.add(self.by_url[signals.canonical_url])
        if signals.fingerprint is not None:
            for i, band in enumerate(clustering.bands(signals.fingerprint, policy.bands)):
                found |= self.by_band.get((i, band), set())
        for key in signals.lsh:
            found |= self.by_lsh.get(key, set())
        if signals.vector is not None and self.ids:
            cosines = self._cosines(signals.vector, product, policy.min_cosine)
            found.update(self.ids[i] for i in np.flatnonzero(cosines >= policy.min_cosine))
        return [self.state(i) for i in found]

    def story(self, story_id: int) -> _StoryRow:
        story = self.stories.get(story_id)
        if story is None:
            _, first_seen, last_seen, size, centroid = self.rows_of[story_id]
            story = _StoryRow(
                story_id, self.to_datetime(first_seen), self.to_datetime(last_seen), size, centroid
            )
            self.stories[story_id] = story
        return story

    def set_centroids(
        self, story_ids: Sequence[int], centroids: Sequence[np.ndarray], room: int = 0
    ) -> None:
        """Rows for many stories at once (the stored candidates of a batch), and ``room``
        for as many more (the stories the batch will make): copying a matrix of thousands
        of rows each time it doubled was a tenth of the clustering time."""
        if not story_ids:
            return
        first = len(self.ids)
        self.ids.extend(story_ids)
        size = len(self.matrix)
        while size < len(self.ids) + room:
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
        elif row < self.stored:
            self.changed.add(row)
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


def _signals(entries: Sequence[Entry], vectors: dict[int, np.ndarray]) -> list[Signals]:
    """The entries' signals; their MinHash signatures computed together (``signatures``)."""
    texts = [
        f"{e.title}\n{html_to_text(e.content or e.summary, max_length=minhash.MAX_CHARS)}"
        for e in entries
    ]
    found = []
    for entry, sig in zip(entries, minhash.signatures(texts), strict=True):
        vector = vectors.get(entry.pk)
        usable = vector is not None and bool(np.any(vector))
        found.append(
            Signals(
                date=entry_date(entry),
                canonical_url=entry.canonical_url,
                fingerprint=entry.fingerprint,
                vector=vector if usable else None,
                minhash=sig,
            )
        )
    return found


def _in_list(values: Sequence[Any]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def _connection() -> BaseDatabaseWrapper:
    return connections[router.db_for_read(StoryMember)]


def _raw_rows(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Rows of a read on the stories' tables. The candidate lookups pass thousands of
    values (16 LSH keys and 4 bands per entry): the ORM prepared each one through its
    lookup machinery, which was a third of the clustering time (bench-dedup profile)."""
    with _connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _window_params(since: datetime, until: datetime) -> list[Any]:
    return [_connection().ops.adapt_datetimefield_value(d) for d in (since, until)]


def _datetime_converter(field: Field) -> Callable[[Any], datetime]:
    """A stored date as the ORM would return it (SQLite stores text, PostgreSQL returns
    datetimes): the backend's and the field's converters, applied as the ORM applies them."""
    connection = _connection()
    column = field.get_col(Story._meta.db_table)
    converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)

    def convert(value: Any) -> datetime:
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return convert


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
    quote = _connection().ops.quote_name
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
    quote = _connection().ops.quote_name
    band, member = quote(StoryBand._meta.db_table), quote(StoryMember._meta.db_table)
    sql = (
        f"SELECT DISTINCT b.{quote('key')}, m.{quote('story_id')}, b.{quote('member_id')}, "
        f"m.{quote('minhash')} FROM {band} b INNER JOIN {member} m "
        f"ON m.{quote('entry_id')} = b.{quote('member_id')} "
        f"WHERE b.{quote('key')} IN {_in_list(keys)} "
        f"AND b.{quote('seen_at')} >= %s AND b.{quote('seen_at')} <= %s"
    )
    return _raw_rows(sql, [*keys, *_window_params(since, until)])


# Columns of a stored story the batch reads (and writes back when an entry joins it).
_STORY_COLUMNS = ("id", "first_seen", "last_seen", "size", "centroid")


def _story_select() -> str:
    quote = _connection().ops.quote_name
    columns = ", ".join(quote(c) for c in _STORY_COLUMNS)
    return f"SELECT {columns} FROM {quote(Story._meta.db_table)}"


def _recent_story_rows(since: datetime, until: datetime) -> list[tuple]:
    """Stories seen within the window, with a centroid, most recently seen first, as the
    database returns them (dates unconverted: most are never met)."""
    quote = _connection().ops.quote_name
    sql = (
        f"{_story_select()} WHERE {quote('centroid')} IS NOT NULL "
        f"AND {quote('first_seen')} <= %s AND {quote('last_seen')} >= %s "
        f"ORDER BY {quote('last_seen')} DESC LIMIT {MAX_SEMANTIC_CANDIDATES:d}"
    )
    since_param, until_param = _window_params(since, until)
    return _raw_rows(sql, [until_param, since_param])


def _load_index(signals: Sequence[Signals], policy: Policy) -> _Index:
    dates = [s.date for s in signals]
    since, until = min(dates) - policy.window, max(dates) + policy.window
    member_rows = _member_rows(signals, since, until, policy)
    lsh_keys = sorted({k for s in signals for k in s.lsh})
    lsh_rows = _lsh_rows(lsh_keys, since, until)
    index = _Index(_datetime_converter(Story._meta.get_field("first_seen")))
    needed = {r[0] for r in member_rows} | {r[1] for r in lsh_rows}
    # Stories of URL/band matches may be older than the window (a URL matches any time).
    rows = {r[0]: r for r in _recent_story_rows(since, until)}
    recent = len(rows)
    missing = sorted(needed - rows.keys())
    if missing:
        sql = f"{_story_select()} WHERE {_connection().ops.quote_name('id')} IN "
        rows.update({r[0]: r for r in _raw_rows(sql + _in_list(missing), missing)})
    index.rows_of = rows
    with_centroid = [r for r in rows.values() if r[4]]
    centroids = (
        np.frombuffer(b"".join(bytes(r[4]) for r in with_centroid), dtype=np.float16)
        .reshape(len(with_centroid), embedding.DIMENSIONS)
        .astype(np.float32)
    )
    in_window: list[int] = []
    window_rows: list[np.ndarray] = []
    for i, (row, centroid) in enumerate(zip(with_centroid, centroids, strict=True)):
        story_id = row[0]
        index.centroid_of[story_id] = centroid
        # The recent rows are within the window by their query; the others are checked.
        if i < recent or _within(index.state(story_id), since, until):
            in_window.append(story_id)
            window_rows.append(centroid)
    index.set_centroids(in_window, window_rows, room=len(signals))
    for story_id, url, fingerprint, inside in member_rows:
        state = index.state(story_id)
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
            index.state(story_id).minhashes.append(minhash.from_bytes(signature))
    return index


def _within(state: StoryState, since: datetime, until: datetime) -> bool:
    return since <= state.last_seen and state.first_seen <= until


# StoryMember's columns in the order ``_member`` gives them.
_MEMBER_FIELDS = (
    "entry_id",
    "story_id",
    "reason",
    "similarity",
    "seen_at",
    "canonical_url",
    "fingerprint",
    *BAND_FIELDS,
    "minhash",
    "joined_at",
)


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
    signals = _signals(todo, vectors)
    index = _load_index(signals, policy)
    batch = _Batch(index, now)
    members: list[tuple[_StoryRow, tuple]] = []
    # One BLAS thread: these are small matrix products, and a busy machine makes
    # BLAS threads wait on each other (measured: 10x slower under load).
    with threadpool_limits(1, user_api="blas"):
        products = index.products(signals)
        for entry, sig, product in zip(todo, signals, products, strict=True):
            decision = clustering.decide(sig, index.candidates(sig, policy, product), policy)
            state, story = batch.place(decision, sig)
            index.add(state, sig, policy)
            members.append((story, _member(entry, sig, decision, now, policy)))
    with transaction.atomic():
        _insert_stories(batch.new, now)
        update_values(
            Story,
            ("first_seen", "last_seen", "size", "centroid"),
            [(s.pk, s.first_seen, s.last_seen, s.size, s.centroid) for s in batch.joined.values()],
        )
        rows = [(row[0], story.pk, *row[1:]) for story, row in members]
        insert_values(StoryMember, _MEMBER_FIELDS, rows)
        insert_values(
            StoryBand,
            ("member_id", "key", "seen_at"),
            [
                (entry.pk, key, sig.date)
                for entry, sig in zip(todo, signals, strict=True)
                for key in sig.lsh
            ],
        )
    return {row[0]: row[1] for row in rows}


def _insert_stories(new: Sequence[_StoryRow], now: datetime) -> None:
    """Insert the batch's new stories and give each its primary key."""
    rows = [(s.first_seen, s.last_seen, s.size, s.centroid, now) for s in new]
    names = ("first_seen", "last_seen", "size", "centroid", "created_at")
    for story, pk in zip(new, insert_values(Story, names, rows, returning=True), strict=True):
        story.pk = pk


# Stories made by the current batch get provisional ids above any real one until inserted
# (so ties in ``clustering.decide`` still favour stored, older stories).
_PROVISIONAL = 1 << 62


class _Batch:
    """Stories the batch creates or grows, written at the end in bulk."""

    def __init__(self, index: _Index, now: datetime) -> None:
        self.index = index
        self.now = now
        self.new: list[_StoryRow] = []
        self.provisional: dict[int, _StoryRow] = {}
        self.joined: dict[int, _StoryRow] = {}

    def place(self, decision: clustering.Decision, sig: Signals) -> tuple[StoryState, _StoryRow]:
        if decision.story_id is None:
            story = _StoryRow(
                pk=None,
                first_seen=sig.date,
                last_seen=sig.date,
                size=1,
                centroid=embedding.to_bytes(sig.vector) if sig.vector is not None else None,
            )
            story_id = _PROVISIONAL + len(self.new)
            self.new.append(story)
            self.provisional[story_id] = story
            state = StoryState(story_id, sig.date, sig.date, centroid=sig.vector)
        else:
            state = self.index.state(decision.story_id)
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
    entry: Entry, sig: Signals, decision: clustering.Decision, now: datetime, policy: Policy
) -> tuple:
    """The member's row (``_MEMBER_FIELDS``) but its story's id, known once inserted."""
    band_values = (
        clustering.bands(sig.fingerprint, policy.bands)
        if sig.fingerprint is not None
        else (None,) * len(BAND_FIELDS)
    )
    return (
        entry.pk,
        decision.reason,
        decision.similarity,
        sig.date,
        sig.canonical_url[:2000],
        sig.fingerprint,
        *band_values,
        minhash.to_bytes(sig.minhash) if sig.minhash is not None else None,
        now,
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


# What a card of the queue shows, in the curator's queue and the API's: the entry's full
# text, its fetch and enrichment bookkeeping, and its source's fetch state stay in the
# database (reading and building them was most of the page's rows' cost).
CARD_FIELDS = (
    "topic_id", "entry_id", "score", "reasons", "status", "created_at",
    "entry__source", "entry__url", "entry__title", "entry__summary", "entry__author",
    "entry__language", "entry__image_url", "entry__published_at",
    "entry__source__url", "entry__source__title",
)  # fmt: skip
OTHER_FIELDS = ("url", "source", "source__url", "source__title")


def as_cards(queue: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    """``queue`` (``story_queue``'s) reading only what a card shows (``CARD_FIELDS``)."""
    return queue.only(*CARD_FIELDS)


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
        .only(*OTHER_FIELDS)
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
