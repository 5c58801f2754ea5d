"""The suggestion stage: stored entries become scored suggestions for each topic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from florilege.jobs import leases
from florilege.lib.html import html_to_text
from florilege.sources.models import Entry
from florilege.suggestions import learning
from florilege.suggestions.models import Suggestion
from florilege.suggestions.scoring import baseline_score
from florilege.suggestions.vectors import ensure_vectors
from florilege.topics.models import Topic, TopicSource

# Entries per run of the stage; also keeps every IN (...) list under SQLite's limit.
SUGGEST_BATCH = 500


def suggest_entries(entries: Sequence[Entry], now: datetime) -> int:
    """Suggest ``entries`` (stored, language-tagged) to every topic following their source,
    and mark them done. Idempotent: a suggestion is unique per topic and entry."""
    if not entries:
        return 0
    by_source: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_source[entry.source_id].append(entry)
    links = TopicSource.objects.filter(source_id__in=by_source).select_related("topic")
    # Features once per entry, shared by every topic that follows its source.
    batch = learning.FeatureBatch(entries)
    created = 0
    for link in links:
        created += suggest_to_topic(link.topic, by_source[link.source_id], now, batch)
    Entry.objects.filter(pk__in=[e.pk for e in entries]).update(suggested_at=now)
    return created


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
    canonicals = [e.canonical_url for e in entries if e.canonical_url]
    taken = set(
        Suggestion.objects.filter(topic=topic, entry__canonical_url__in=canonicals).values_list(
            "entry__canonical_url", flat=True
        )
    ) | set(
        # Pages already scooped, through the topic's reverse relation (curation is above us).
        topic.scoops.filter(canonical_url__in=canonicals).values_list(
            "canonical_url", flat=True
        )
    )
    kept = []
    for entry in entries:
        if topic.languages and entry.language and entry.language not in topic.languages:
            continue
        if entry.canonical_url and entry.canonical_url in taken:
            continue
        if entry.canonical_url:
            taken.add(entry.canonical_url)
        kept.append(entry)
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
    if not entries:
        return []
    model = learning.load_model(topic)
    features = (batch or learning.FeatureBatch(entries)).of(entries)
    scored = learning.score_entries(topic, model, entries, features, now)
    return [
        Suggestion(topic=topic, entry=entry, score=value, reasons=why, created_at=now)
        for entry, (value, why) in zip(entries, scored, strict=True)
    ]


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
