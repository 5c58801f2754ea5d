"""The media app's background stage: pictures to fetch and make thumbnails of."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min

from florilege.jobs import leases
from florilege.jobs.registry import Backlog, Stage, StageContext, register
from florilege.media import services


def _pictures(ctx: StageContext) -> int:
    return services.process_cycle(ctx)


def _backlog(now: datetime) -> Backlog:
    due = services.due(now).filter(leases.free(now))
    return Backlog(due.count(), due.aggregate(oldest=Min("due_at"))["oldest"])


register(Stage("pictures", "media", "scoop pictures to fetch, check and make thumbnails of",
               _pictures, _backlog, order=85))  # fmt: skip
