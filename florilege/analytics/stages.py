"""The analytics app's background stages: views held by web processes written as rows, and
raw events rolled up into daily figures."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Min

from florilege.analytics.counting import write_held_batch
from florilege.analytics.models import HeldViews
from florilege.analytics.rollup import due_days, rollup_cycle
from florilege.analytics.services import day_start
from florilege.jobs import leases
from florilege.jobs.registry import Backlog, Stage, StageContext, register

# Held rows per batch: each is one web process's few seconds of views (hundreds to
# thousands of rows), so a batch is some thousands of rows in one transaction.
HELD_BATCH = 20


def _views(ctx: StageContext) -> int:
    # Every web process hands over a row every few seconds: batches until none is left or
    # the stage's share of the cycle is spent, so the backlog cannot only grow.
    views = 0
    while True:
        done = write_held_batch(HELD_BATCH)
        views += done.views
        if done.held < HELD_BATCH or not ctx.more():
            return views


def _views_backlog(now: datetime) -> Backlog:
    held = HeldViews.objects.aggregate(n=Count("pk"), first=Min("written_at"))
    return Backlog(held["n"], held["first"])


def _rollup(ctx: StageContext) -> int:
    return rollup_cycle(ctx.now, ctx.owner)


def _rollup_backlog(now: datetime) -> Backlog:
    due = due_days(now).filter(leases.free(now))
    oldest = due.aggregate(d=Min("day"))["d"]
    return Backlog(due.count(), day_start(oldest) if oldest else None)


register(Stage("analytics_views", "analytics",
               "views held by web processes, not yet written as rows",
               _views, _views_backlog, order=135))  # fmt: skip
register(Stage("analytics_rollup", "analytics",
               "finished days whose raw views and clicks are not yet rolled up",
               _rollup, _rollup_backlog, order=140))  # fmt: skip
