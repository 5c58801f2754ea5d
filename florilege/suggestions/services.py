"""Enrich new entries (language) and turn them into scored suggestions for each topic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from florilege.curation.models import Scoop, Topic, TopicSource
from florilege.lib.html import html_to_text
from florilege.sources.models import Entry
from florilege.suggestions.fingerprint import entry_fingerprint
from florilege.suggestions.language import detect_language
from florilege.suggestions.models import Suggestion
from florilege.suggestions.scoring import baseline_score

FINGERPRINT_CHARS = 3000


def enrich(entries: Sequence[Entry]) -> None:
    """Language and near-duplicate fingerprint: what ingest adds to a stored entry."""
    for entry in entries:
        text = html_to_text(entry.content or entry.summary, max_length=FINGERPRINT_CHARS)
        if not entry.language:
            entry.language = detect_language(f"{entry.title}. {text[:600]}")
        entry.fingerprint = entry_fingerprint(entry.title, text)
    Entry.objects.bulk_update([e for e in entries if e.pk], ["language", "fingerprint"])


def enrich_and_suggest(entries: Sequence[Entry], now: datetime) -> int:
    """Language-tag ``entries`` and suggest them to every topic following their source."""
    if not entries:
        return 0
    enrich(entries)
    by_source: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_source[entry.source_id].append(entry)
    links = TopicSource.objects.filter(source_id__in=by_source).select_related("topic")
    created = 0
    for link in links:
        created += suggest_to_topic(link.topic, by_source[link.source_id], now)
    return created


def suggest_to_topic(topic: Topic, entries: Sequence[Entry], now: datetime) -> int:
    """Create suggestions for ``topic``; skip other languages and stories already there."""
    canonicals = [e.canonical_url for e in entries if e.canonical_url]
    taken = set(
        Suggestion.objects.filter(topic=topic, entry__canonical_url__in=canonicals).values_list(
            "entry__canonical_url", flat=True
        )
    ) | set(
        Scoop.objects.filter(topic=topic, canonical_url__in=canonicals).values_list(
            "canonical_url", flat=True
        )
    )
    rows = []
    for entry in entries:
        if topic.languages and entry.language and entry.language not in topic.languages:
            continue
        if entry.canonical_url and entry.canonical_url in taken:
            continue
        if entry.canonical_url:
            taken.add(entry.canonical_url)
        rows.append(score_suggestion(topic, entry, now))
    Suggestion.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def score_suggestion(topic: Topic, entry: Entry, now: datetime) -> Suggestion:
    text = html_to_text(entry.summary or entry.content, max_length=2000)
    score = baseline_score(entry.title, text, topic.keywords, entry.published_at, now)
    return Suggestion(
        topic=topic,
        entry=entry,
        score=score.value,
        reasons={"keywords": score.matched, "relevance": score.relevance},
        created_at=now,
    )
