"""The federation stage of the worker: process received activities, then deliver.

Processing comes first because it queues deliveries of its own (Accepts of new Follows).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

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
    return report
