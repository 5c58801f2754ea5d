"""The webhooks app's background stage: deliveries due to topics' webhooks."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min

from florilege.jobs import leases
from florilege.jobs.registry import Backlog, Stage, StageContext, register
from florilege.webhooks import delivery


def _run(ctx: StageContext) -> int:
    return delivery.delivery_cycle(ctx.now, ctx.client_factory)


def _backlog(now: datetime) -> Backlog:
    rows = delivery.due(now).filter(leases.free(now))
    return Backlog(rows.count(), rows.aggregate(oldest=Min("next_attempt_at"))["oldest"])


register(Stage("webhooks", "webhooks", "webhook deliveries due to topics' webhooks",
               _run, _backlog, order=125))  # fmt: skip
