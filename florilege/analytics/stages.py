"""The analytics app's background stage: raw events rolled up into daily figures."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min

from florilege.analytics.rollup import due_days, rollup_cycle
from florilege.analytics.services import day_start
from florilege.jobs import leases
from florilege.jobs.registry import Backlog, Stage, StageContext, register


def _rollup(ctx: StageContext) -> int:
    return rollup_cycle(ctx.now, ctx.owner)


def _rollup_backlog(now: datetime) -> Backlog:
    due = due_days(now).filter(leases.free(now))
    oldest = due.aggregate(d=Min("day"))["d"]
    return Backlog(due.count(), day_start(oldest) if oldest else None)


register(Stage("analytics_rollup", "analytics",
               "finished days whose raw views and clicks are not yet rolled up",
               _rollup, _rollup_backlog, order=140))  # fmt: skip
