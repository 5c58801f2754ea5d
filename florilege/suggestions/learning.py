"""The ranking's lifecycle: train topics from their decisions, rescore their queues, reset.

The web request only records a decision (``curation.services.scooping``); the worker's
ranking stage (:func:`ranking_cycle`, called from ``run_cycle``) finds topics whose
decisions or rules changed, refits their model from the whole history (deterministic: same
decisions, same scores), stores it with a new version and rescores their pending
suggestions, so the next queue load shows the learned order.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max
from threadpoolctl import threadpool_limits

from florilege.jobs import leases
from florilege.lib.html import html_to_text
from florilege.lib.text import embedding
from florilege.sources.models import Entry
from florilege.suggestions import ranker
from florilege.suggestions.bulk import update_values
from florilege.suggestions.features import Features, Item, featurize
from florilege.suggestions.models import EntryVector, Suggestion, TopicRanker
from florilege.suggestions.rules import RuleMatch, Rules, match_rules, parse_rules
from florilege.suggestions.story_models import StoryMember
from florilege.topics.models import Topic
from florilege.topics.services import require_curator

log = logging.getLogger("florilege.ranking")
DECIDED = (Suggestion.Status.SCOOPED, Suggestion.Status.DISCARDED)
TEXT_CHARS = 1000


def item_of(entry: Entry) -> Item:
    return Item(
        title=entry.title,
        text=html_to_text(entry.summary or entry.content, max_length=TEXT_CHARS),
        language=entry.language,
        source=entry.source_id,
        published=entry.published_at,
    )


def stored_vectors(entries: Sequence[Entry]) -> np.ndarray:
    """Embeddings already stored for ``entries`` (zero rows for the others): scoring in a
    request never runs the encoder; the worker computes vectors before it scores."""
    out = np.zeros((len(entries), embedding.DIMENSIONS), dtype=np.float32)
    if not entries:
        return out
    rows = dict(
        EntryVector.objects.filter(
            entry_id__in=[e.pk for e in entries], encoder=embedding.ENCODER
        ).values_list("entry_id", "vector")
    )
    for i, entry in enumerate(entries):
        if entry.pk in rows:
            out[i] = embedding.from_bytes(rows[entry.pk])
    return out


def features_of(entries: Sequence[Entry]) -> Features:
    return featurize([item_of(e) for e in entries], stored_vectors(entries))


class FeatureBatch:
    """Features of a batch of entries, computed once and shared by every topic scoring some
    of them (a topic takes the rows of the entries it follows)."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.rows = {e.pk: i for i, e in enumerate(entries)}
        self.features = features_of(entries)

    def of(self, entries: Sequence[Entry]) -> Features:
        return self.features.subset([self.rows[e.pk] for e in entries])


def topic_rules(topic: Topic) -> Rules:
    return parse_rules(topic.keywords, topic.languages)


def load_model(topic: Topic) -> ranker.Model:
    """The topic's stored model, or a rules-only model until the worker has trained one."""
    return _model_of(topic, TopicRanker.objects.filter(topic=topic).first())


def load_models(topics: Sequence[Topic]) -> dict[int, ranker.Model]:
    """``load_model`` for many topics, their stored models read by one query."""
    rows = TopicRanker.objects.in_bulk([topic.pk for topic in topics])
    return {topic.pk: _model_of(topic, rows.get(topic.pk)) for topic in topics}


def _model_of(topic: Topic, row: TopicRanker | None) -> ranker.Model:
    if row is not None and row.state:
        try:
            model = ranker.from_state(row.state, row.meta)
        except ValueError:
            log.warning("topic=%s event=stale_model_format", topic.pk)
        else:
            # Rules edited since training apply at once; the model catches up next cycle.
            model.rules = topic_rules(topic)
            return model
    return ranker.Model(rules=topic_rules(topic))


def score_entries(
    topic: Topic, model: ranker.Model, entries: Sequence[Entry], features: Features, now: datetime
) -> list[tuple[float, dict]]:
    """(stored score, reasons) for each entry."""
    scored = ranker.score(model, features)
    values = ranker.ranking_values(scored, features, now)
    return [
        (float(values[i]), ranker.reasons(model, features, scored, i)) for i in range(len(entries))
    ]


# --- training -------------------------------------------------------------------------


def _decision_stats(topic: Topic | None = None) -> dict[int, tuple[int, str]]:
    """Decisions counted per topic, and the last one's time: every topic's, or one's."""
    decided = Suggestion.objects.filter(status__in=DECIDED)
    if topic is not None:
        decided = decided.filter(topic=topic)
    rows = decided.values("topic_id").annotate(n=Count("id"), last=Max("decided_at")).order_by()
    return {r["topic_id"]: (r["n"], r["last"].isoformat() if r["last"] else "") for r in rows}


def fingerprint(topic: Topic, stats: tuple[int, str], reset_at: datetime | None) -> str:
    """What a model depends on: the topic's profile and rules, its decisions, its reset."""
    payload = [
        ranker.FORMAT,
        topic.title,
        topic.description,
        list(topic.keywords),
        list(topic.languages),
        list(stats),
        reset_at.isoformat() if reset_at else "",
    ]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def stale_topics(limit: int) -> list[Topic]:
    """Topics whose model is missing or older than their decisions or rules."""
    stats = _decision_stats()
    stale = []
    topics = Topic.objects.select_related("ranker").defer("ranker__state", "ranker__meta")
    # Least recently trained first: a topic whose curator decides all day is stale again
    # after every training, and first by id it would take every turn from the others.
    oldest_first = (F("ranker__trained_at").asc(nulls_first=True), "pk")
    for topic in topics.order_by(*oldest_first):
        row = getattr(topic, "ranker", None)
        reset_at = row.reset_at if row else None
        expected = fingerprint(topic, stats.get(topic.pk, (0, "")), reset_at)
        if row is None or row.fingerprint != expected:
            stale.append(topic)
            if len(stale) >= limit:
                break
    return stale


def decision_history(topic: Topic, reset_at: datetime | None) -> list[Suggestion]:
    decided = Suggestion.objects.filter(topic=topic, status__in=DECIDED).exclude(
        decided_at__isnull=True
    )
    if reset_at is not None:
        decided = decided.filter(decided_at__gt=reset_at)
    newest = decided.order_by("-decided_at", "-id")[: ranker.MAX_HISTORY]
    ids = list(newest.values_list("id", flat=True))
    return list(
        Suggestion.objects.filter(pk__in=ids).select_related("entry").order_by("decided_at", "id")
    )


def build_model(topic: Topic, reset_at: datetime | None, now: datetime) -> ranker.Model:
    """Fit the topic's model from its decision history (deterministic)."""
    # services imports this module for scoring; import back at call time.
    from florilege.suggestions.vectors import ensure_vectors

    history = decision_history(topic, reset_at)
    entries = [s.entry for s in history]
    vectors = ensure_vectors(entries, now)
    features = featurize(
        [item_of(e) for e in entries],
        np.stack([vectors[e.pk] for e in entries])
        if entries
        else np.zeros((0, embedding.DIMENSIONS), np.float32),
    )
    permalinks = {
        s.entry_id: s.get_absolute_url()
        # Through the topic's reverse relation: the scoops belong to curation, above us.
        for s in topic.scoops.filter(entry_id__in=[e.pk for e in entries])
        .select_related("topic")
        .only("id", "title", "entry_id", "topic__slug")
    }
    # A scooped story's other sources are decided with it (``stories.close_story``): they
    # link to the story's scoop too, so "close to your scoops" names the scoop once.
    story_of = dict(
        StoryMember.objects.filter(entry_id__in=[e.pk for e in entries]).values_list(
            "entry_id", "story_id"
        )
    )
    by_story = {story_of[e]: url for e, url in permalinks.items() if e in story_of}
    decisions = [
        ranker.Decision(
            kept=s.status == Suggestion.Status.SCOOPED,
            title=s.entry.title,
            url=permalinks.get(s.entry_id)
            or by_story.get(story_of.get(s.entry_id, -1))
            or s.entry.url,
            story=story_of.get(s.entry_id),
        )
        for s in history
    ]
    rules = topic_rules(topic)
    item = ranker.profile_item(topic.title, topic.description, rules)
    profile_vector = embedding.embed([embedding.entry_text(item.title, item.text)])
    profile = featurize([item], profile_vector)
    return ranker.train(rules, profile, features, decisions)


@dataclass
class TrainReport:
    trained: int = 0
    rescored: int = 0


def train_topic(topic: Topic, now: datetime) -> int | None:
    """Retrain one topic and rescore its queue; None when another worker holds it."""
    with transaction.atomic():
        TopicRanker.objects.get_or_create(topic=topic)
        held = leases.lock(TopicRanker.objects.filter(topic=topic), 1)
        if not held:
            return None
        row = held[0]
        # This topic's only: every topic's took 35 ms with 1,000 topics, for each one trained.
        stats = _decision_stats(topic).get(topic.pk, (0, ""))
        model = build_model(topic, row.reset_at, now)
        row.state, row.meta = ranker.to_state(model)
        row.version += 1
        row.decisions = model.decisions
        row.trained_at = now
        row.fingerprint = fingerprint(topic, stats, row.reset_at)
        row.save()
        return rescore_pending(topic, model, now)


def rescore_pending(topic: Topic, model: ranker.Model, now: datetime) -> int:
    """New scores and reasons for the topic's most recent pending suggestions."""
    from florilege.suggestions.vectors import ensure_vectors

    pending = list(
        Suggestion.objects.filter(topic=topic, status=Suggestion.Status.PENDING)
        .select_related("entry")
        .order_by("-created_at", "-id")[: settings.CONFIG.RANKING_RESCORE_LIMIT]
    )
    if not pending:
        return 0
    entries = [s.entry for s in pending]
    ensure_vectors(entries, now)
    features = features_of(entries)
    scored = score_entries(topic, model, entries, features, now)
    # One UPDATE by key, run for every row (bulk_update built a CASE of one branch per row
    # and field: half of a retraining's time, in Python, for 2,000 suggestions).
    update_values(
        Suggestion,
        ["score", "reasons"],
        [(s.pk, value, why) for s, (value, why) in zip(pending, scored, strict=True)],
    )
    return len(pending)


def ranking_cycle(now: datetime, more: Callable[[], bool] = lambda: True) -> TrainReport:
    """The worker's ranking stage: retrain the topics that need it (a bounded number per
    cycle, fewer once ``more`` says the stage's share of the cycle is spent: each topic
    rescores up to RANKING_RESCORE_LIMIT suggestions, and a thousand new topics must not
    hold the suggestion stage back). A failing topic is logged and retried next cycle."""
    report = TrainReport()
    # One BLAS thread: the products are small, and the other core serves requests.
    with threadpool_limits(limits=1):
        attempted = False
        for topic in stale_topics(settings.CONFIG.RANKING_TOPICS_PER_CYCLE):
            # A topic whose training fails does not count: one that keeps failing slowly
            # (first by pk every cycle) would otherwise stop every topic after it.
            if attempted and not more():
                break
            try:
                rescored = train_topic(topic, now)
            except Exception:
                log.exception("topic=%s event=ranking_failed", topic.pk)
                continue
            # A topic another worker holds is not a turn: yielding (one topic a cycle),
            # workers sharing the stage would otherwise all stop at the first one.
            attempted = attempted or rescored is not None
            if rescored is not None:
                report.trained += 1
                report.rescored += rescored
                log.info("topic=%s event=ranking_trained rescored=%d", topic.pk, rescored)
    return report


# --- curator actions --------------------------------------------------------------------


def reset_model(topic: Topic, user, now: datetime) -> None:
    """Forget the topic's decisions so far: the worker rebuilds a cold-start model (from the
    description and rules) and later decisions teach it again."""
    require_curator(user, topic)
    row, _ = TopicRanker.objects.get_or_create(topic=topic)
    row.reset_at = now
    row.fingerprint = ""
    row.save(update_fields=["reset_at", "fingerprint"])


@dataclass
class PreviewRow:
    entry: Entry
    match: RuleMatch


@dataclass
class RulesPreview:
    checked: int
    matched: list[PreviewRow]
    ruled_out: int


def preview_rules(
    topic: Topic, keywords: list[str], languages: list[str], limit: int = 200
) -> RulesPreview:
    """What these rules would match among the last ``limit`` stored entries of the topic's
    sources: entries the rules let through, best first. Changes nothing."""
    rules = parse_rules(keywords, languages)
    entries = list(
        Entry.objects.filter(source__topics=topic)
        .select_related("source")
        .order_by("-fetched_at", "-id")[:limit]
    )
    rows, ruled_out = [], 0
    for entry in entries:
        item = item_of(entry)
        match = match_rules(rules, item.title, item.text, item.language)
        if not match.allowed:
            ruled_out += 1
        elif match.matched or not rules.should:
            rows.append(PreviewRow(entry, match))
    rows.sort(key=lambda r: -r.match.strength)
    return RulesPreview(checked=len(entries), matched=rows, ruled_out=ruled_out)
