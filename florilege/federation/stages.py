"""The federation app's background stages: received activities, then deliveries.

Processing comes first in a cycle because it queues deliveries of its own (the Accept of a
new Follow); either still works alone, on its own workers.

The handlers import the services when they run: every worker imports this file at start-up,
and the services bring the signatures' ``cryptography`` (about 10 MB) that a worker without
these stages never needs."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min

from florilege.federation.models import InboxItem
from florilege.jobs import leases
from florilege.jobs.registry import Backlog, Stage, StageContext, register


def _inbox(ctx: StageContext) -> int:
    from florilege.federation.services.inbox import process_cycle

    return process_cycle(ctx.now)


def _inbox_backlog(now: datetime) -> Backlog:
    due = InboxItem.objects.filter(
        status__in=[InboxItem.Status.PENDING, InboxItem.Status.UNVERIFIED]
    ).filter(leases.free(now))
    return Backlog(due.count(), due.aggregate(oldest=Min("received_at"))["oldest"])


def _deliver(ctx: StageContext) -> int:
    from florilege.federation.services.delivery import deliver_cycle
    from florilege.federation.worker import purge

    report = deliver_cycle(ctx.now)
    # Old finished rows go in the same stage: a few indexed deletes, idempotent.
    purge(ctx.now)
    return report.delivered + report.failed


def _deliver_backlog(now: datetime) -> Backlog:
    from florilege.federation.services.delivery import due_deliveries

    due = due_deliveries(now).filter(leases.free(now))
    return Backlog(due.count(), due.aggregate(oldest=Min("next_attempt_at"))["oldest"])


register(Stage("inbox", "federation", "received ActivityPub activities not yet processed",
               _inbox, _inbox_backlog, order=110))  # fmt: skip
register(Stage("deliver", "federation", "signed deliveries due to remote inboxes",
               _deliver, _deliver_backlog, order=120))  # fmt: skip
