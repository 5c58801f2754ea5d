"""The publishing app's background stages: newsletter editions, WebSub hub pings."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import Min, Q

from florilege.jobs import leases
from florilege.jobs.registry import Backlog, Stage, StageContext, register
from florilege.publishing import hub
from florilege.publishing.models import DigestSend
from florilege.publishing.services.digest import digest_cycle

log = logging.getLogger("florilege.worker")


def _digest(ctx: StageContext) -> int:
    sent = digest_cycle(ctx.now, ctx.owner)
    if sent.planned or sent.sent or sent.failed:
        log.info("event=digest_cycle planned=%d sent=%d failed=%d", sent.planned, sent.sent,
                 sent.failed)  # fmt: skip
    return sent.planned + sent.sent + sent.failed


def _digest_backlog(now: datetime) -> Backlog:
    due = DigestSend.objects.filter(
        Q(status=DigestSend.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=DigestSend.Status.SENDING, leased_until__lt=now)
    )
    return Backlog(due.count(), due.aggregate(oldest=Min("next_attempt_at"))["oldest"])


def _hub_ping(ctx: StageContext) -> int:
    return hub.ping_cycle(ctx.now, ctx.client_factory)


def _hub_backlog(now: datetime) -> Backlog:
    due = hub.due_pings(now).filter(leases.free(now))
    return Backlog(due.count(), due.aggregate(oldest=Min("due_at"))["oldest"])


register(Stage("digest", "publishing", "newsletter editions to plan and emails to send",
               _digest, _digest_backlog, order=90))  # fmt: skip
register(Stage("hub_ping", "publishing", "WebSub hub pings owed for published scoops",
               _hub_ping, _hub_backlog, order=100))  # fmt: skip

