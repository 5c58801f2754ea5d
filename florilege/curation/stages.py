"""The curation app's background stages: automation rules, scheduled publication, the
engagement desk's daily email."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import Min, Q

from florilege.curation.models import DeskPreference, Scoop, ScoopStatus
from florilege.curation.services import desk, retention
from florilege.curation.services.publication import publish_due
from florilege.jobs.registry import Backlog, Stage, StageContext, register
from florilege.suggestions.models import Suggestion

log = logging.getLogger("florilege.worker")


def _rules(ctx: StageContext) -> int:
    # Imported when the stage runs: the rules bring the scooping code and, through it, the
    # stories' clustering, which a fetch-only worker never runs.
    from florilege.curation.services.rules import rules_pending

    return rules_pending(ctx.now)


def _rules_backlog(now: datetime) -> Backlog:
    due = Suggestion.objects.filter(rules_checked_at__isnull=True)
    return Backlog(due.count(), due.aggregate(oldest=Min("created_at"))["oldest"])


def _retention(ctx: StageContext) -> int:
    swept = retention.sweep(ctx.now)
    if swept.total:
        log.info("event=retention entries=%d stories=%d raw_rows=%d", swept.entries,
                 swept.stories, swept.raw_rows)  # fmt: skip
    return swept.total


def _retention_backlog(now: datetime) -> Backlog:
    return Backlog(*retention.backlog(now))


def _publish_due(ctx: StageContext) -> int:
    return publish_due(ctx.now)


def _publish_backlog(now: datetime) -> Backlog:
    due = Scoop.objects.filter(status=ScoopStatus.SCHEDULED, published_at__lte=now)
    return Backlog(due.count(), due.aggregate(oldest=Min("published_at"))["oldest"])


register(Stage("rules", "curation",
               "suggestions not yet checked against the topic's automation rules",
               _rules, _rules_backlog, order=60))  # fmt: skip
register(Stage("publish_due", "curation", "scheduled scoops whose publication time has come",
               _publish_due, _publish_backlog, order=80))  # fmt: skip
register(Stage("retention", "curation",
               "entries past FLORILEGE_RETAIN_ENTRIES_DAYS that no topic scooped, and raw "
               "analytics rows past their retention",
               _retention, _retention_backlog, order=140))  # fmt: skip


def _desk_digest(ctx: StageContext) -> int:
    return desk.digests_due(ctx.now)


def _desk_digest_backlog(now: datetime) -> Backlog:
    due = DeskPreference.objects.filter(email_digest=True).filter(
        Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - desk.DIGEST_EVERY)
    )
    return Backlog(due.count(), due.aggregate(oldest=Min("last_digest_at"))["oldest"])


register(Stage("desk_digest", "curation",
               "members owed their daily email of new engagement-desk items",
               _desk_digest, _desk_digest_backlog, order=85))  # fmt: skip
