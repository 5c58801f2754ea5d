"""The suggestions app's background stages: stories, scoring per topic, retraining.

The handlers import their modules when they run, not here: every worker imports this file
at start-up, and the ranking code brings scikit-learn and SciPy (about 70 MB) that a
fetch-only worker never needs (``tests/test_lazy_models.py`` checks it).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min

from florilege.jobs.registry import Backlog, Stage, StageContext, register
from florilege.sources.models import Entry

# Batches per cycle at most, so one stage cannot hold a worker that serves others too; the
# worker's cycle also bounds them in time (``StageContext.more``): under a stream of new
# entries, 50 enrichment batches took minutes, and the suggest stage after it waited.
ROUNDS = 50


def _enrich(ctx: StageContext) -> int:
    from florilege.suggestions.stories import ENRICH_BATCH, enrich_pending

    total = 0
    for _ in range(ROUNDS):
        done = enrich_pending(ctx.now)
        total += done
        if done < ENRICH_BATCH or not ctx.more():
            break
    else:
        ctx.cut_short = True  # every round was a full batch: work is left
    return total


def _suggest(ctx: StageContext) -> int:
    from florilege.suggestions.services import SUGGEST_BATCH, suggest_pending

    total = 0
    for _ in range(ROUNDS):
        scored, _created = suggest_pending(ctx.now)
        total += scored
        if scored < SUGGEST_BATCH or not ctx.more():
            break
    else:
        ctx.cut_short = True  # every round was a full batch: work is left
    return total


def _train(ctx: StageContext) -> int:
    from florilege.suggestions.learning import ranking_cycle

    return ranking_cycle(ctx.now, more=ctx.more).trained


def _entries_backlog(**unset: bool) -> Backlog:
    due = Entry.objects.filter(**unset)
    return Backlog(due.count(), due.aggregate(oldest=Min("fetched_at"))["oldest"])


register(Stage("enrich", "suggestions", "entries with no sentence vector and story yet", _enrich,
               lambda now: _entries_backlog(enriched_at__isnull=True), order=40,
               needs_encoder=True))  # fmt: skip
register(Stage("suggest", "suggestions",
               "entries not yet scored for the topics that follow their source", _suggest,
               lambda now: _entries_backlog(suggested_at__isnull=True), order=50,
               needs_encoder=True))  # fmt: skip


def _train_backlog(now: datetime) -> Backlog:
    from florilege.suggestions.learning import stale_topics

    return Backlog(len(stale_topics(1000)))


register(Stage("train", "suggestions",
               "topics with new decisions or edited rules whose model is stale",
               _train, _train_backlog, order=70, yields=True))  # fmt: skip
