"""The federation stage of the worker: process received activities, then deliver.

Processing comes first because it queues deliveries of its own (Accepts of new Follows).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from florilege.federation.models import Delivery, InboxItem
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.inbox import process_cycle

log = logging.getLogger("florilege.federation")


@dataclass
class FederationReport:
    processed: int = 0
    delivered: int = 0
    failed: int = 0


def federation_cycle(now: datetime | None = None) -> FederationReport:
    now = now or timezone.now()
    report = FederationReport()
    report.processed = process_cycle(now)
    deliveries = deliver_cycle(now)
    report.delivered, report.failed = deliveries.delivered, deliveries.failed
    purge(now)
    return report


# Processed activities are kept this long: redeliveries are recognised by their id, and
# an operator can look at what arrived. Finished deliveries likewise.
KEEP_RECEIVED = timedelta(days=14)
KEEP_DELIVERED = timedelta(days=30)


def purge(now: datetime) -> tuple[int, int]:
    """Delete old processed activities and finished deliveries (failed ones stay
    readable for as long as delivered ones)."""
    received = InboxItem.objects.filter(
        status__in=[InboxItem.Status.DONE, InboxItem.Status.IGNORED, InboxItem.Status.REFUSED],
        received_at__lt=now - KEEP_RECEIVED,
    ).delete()[0]
    delivered = Delivery.objects.filter(
        status__in=[Delivery.Status.DONE, Delivery.Status.FAILED],
        created_at__lt=now - KEEP_DELIVERED,
    ).delete()[0]
    return received, delivered
