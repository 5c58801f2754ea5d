"""The suggestion stage: stored entries become scored suggestions for each topic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from florilege.jobs import leases
from florilege.lib.html import html_to_text
from florilege.sources.models import Entry
from florilege.suggestions import learning, ranker
from florilege.suggestions.bulk import insert_rows
from florilege.suggestions.models import Suggestion
from florilege.suggestions.scoring import baseline_score
from florilege.suggestions.vectors import ensure_vectors
from florilege.topics.models import Topic, TopicSource

# Entries per run of the stage; also keeps every IN (...) list under SQLite's limit.
SUGGEST_BATCH = 500


def suggest_entries(entries: Sequence[Entry], now: datetime) -> int:
    """Suggest ``entries`` (stored, language-tagged) to every topic following their source,
    and mark them done. Idempotent: a suggestion is unique per topic and entry.

    Batched across topics: features are computed once for the batch, then each topic
    scores all its entries of the batch (whatever sources they come from) in one product,
    and every topic's suggestions are written by one insert."""
    if not entries:
        return 0
    by_source: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_source[entry.source_id].append(entry)
    followed: dict[int, set[int]] = defaultdict(set)
    topics: dict[int, Topic] = {}
    for link in TopicSource.objects.filter(source_id__in=by_source).select_related("topic"):
        followed[link.topic_id].add(link.source_id)
        topics[link.topic_id] = link.topic
    rows: list[tuple[int, int, float, dict]] = []
    if topics:
        batch = learning.FeatureBatch(entries)
        taken = _taken_by_topic(list(topics), [e.canonical_url for e in entries])
        # Every topic's stored model in one query (was one per topic).
        models = learning.load_models(list(topics.values()))
        position = {e.pk: i for i, e in enumerate(entries)}
        for topic_id, topic in topics.items():
            # Batch order (by id), so the first copy of a page in the batch is the one kept.
            mine = sorted(
                (e for source_id in followed[topic_id] for e in by_source[source_id]),
                key=lambda e: position[e.pk],
            )
            kept = _keep(topic, mine, taken[topic_id])
            scored = _scored(topic, kept, now, batch, models[topic_id])
            rows += [
                (topic_id, entry.pk, value, why)
                for entry, (value, why) in zip(kept, scored, strict=True)
            ]
    # Automation rules run on them in their own stage (curation's ``rules``).
    insert_suggestions(rows, now)
    Entry.objects.filter(pk__in=[e.pk for e in entries]).update(suggested_at=now)
    return len(rows)


def insert_suggestions(rows: Sequence[tuple[int, int, float, dict]], now: datetime) -> None:
    """New pending suggestions (topic id, entry id, score, reasons), as
    ``bulk_create(ignore_conflicts=True)`` would write them (see ``bulk``): a suggestion the
    topic already has for the entry is left as it is."""
    insert_rows(
        Suggestion,
        [
            {"topic_id": t, "entry_id": e, "score": v, "reasons": why, "created_at": now}
            for t, e, v, why in rows
        ],
    )


def _taken_by_topic(topic_ids: list[int], urls: Sequence[str]) -> dict[int, set[str]]:
    """Canonical URLs each topic already has, suggested or scooped: two queries for all."""
    urls = sorted({u for u in urls if u})
    taken: dict[int, set[str]] = defaultdict(set)
    if not urls:
        return taken
    suggested = Suggestion.objects.filter(
        topic_id__in=topic_ids, entry__canonical_url__in=urls
    ).values_list("topic_id", "entry__canonical_url")
    # Pages already scooped, through the topic's reverse relation (curation is above us).
    scooped = Topic.objects.filter(pk__in=topic_ids, scoops__canonical_url__in=urls).values_list(
        "pk", "scoops__canonical_url"
    )
    for topic_id, url in (*suggested, *scooped):
        taken[topic_id].add(url)
    return taken


def _keep(topic: Topic, entries: Sequence[Entry], taken: set[str]) -> list[Entry]:
    """Entries for ``topic``: in its languages, and not a page it already has (``taken``
    grows with the pages kept, so one copy of a page in a batch is kept)."""
    kept = []
    for entry in entries:
        if topic.languages and entry.language and entry.language not in topic.languages:
            continue
        if entry.canonical_url and entry.canonical_url in taken:
            continue
        if entry.canonical_url:
            taken.add(entry.canonical_url)
        kept.append(entry)
    return kept


def suggest_pending(now: datetime, limit: int = SUGGEST_BATCH) -> tuple[int, int]:
    """The suggestion stage: score entries stored since the last run for their topics.
    Returns (entries scored, suggestions created). Runs after storing, in its own
    transaction, so storing stays fast and a crash leaves the entries pending."""
    with transaction.atomic():
        pending = Entry.objects.filter(suggested_at__isnull=True).order_by("id")
        # Several workers share the stage without scoring the same entries.
        entries = leases.lock(pending, limit)
        # The worker computes the sentence vectors the ranker reads, in one batch.
        ensure_vectors(entries, now)
        return len(entries), suggest_entries(entries, now)


def suggest_to_topic(
    topic: Topic,
    entries: Sequence[Entry],
    now: datetime,
    batch: learning.FeatureBatch | None = None,
) -> int:
    """Create suggestions for ``topic``; skip other languages and stories already there."""
    taken = _taken_by_topic([topic.pk], [e.canonical_url for e in entries])
    kept = _keep(topic, entries, taken[topic.pk])
    rows = ranked_suggestions(topic, kept, now, batch)
    # Automation rules run on them in their own stage (curation's ``rules``).
    Suggestion.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def ranked_suggestions(
    topic: Topic,
    entries: Sequence[Entry],
    now: datetime,
    batch: learning.FeatureBatch | None = None,
) -> list[Suggestion]:
    """Suggestions scored by the topic's stored model (features computed once for the
    batch, one product per topic); never trains (the worker's ranking stage does)."""
    scored = _scored(topic, entries, now, batch)
    return [
        Suggestion(topic=topic, entry=entry, score=value, reasons=why, created_at=now)
        for entry, (value, why) in zip(entries, scored, strict=True)
    ]


def _scored(
    topic: Topic,
    entries: Sequence[Entry],
    now: datetime,
    batch: learning.FeatureBatch | None = None,
    model: ranker.Model | None = None,
) -> list[tuple[float, dict]]:
    if not entries:
        return []
    if model is None:
        model = learning.load_model(topic)
    features = (batch or learning.FeatureBatch(entries)).of(entries)
    return learning.score_entries(topic, model, entries, features, now)


def score_suggestion(topic: Topic, entry: Entry, now: datetime) -> Suggestion:
    text = html_to_text(entry.summary or entry.content, max_length=1000)
    score = baseline_score(entry.title, text, topic.keywords, entry.published_at, now)
    return Suggestion(
        topic=topic,
        entry=entry,
        score=score.value,
        reasons={"keywords": score.matched, "relevance": score.relevance},
        created_at=now,
    )
