"""Raw analytics rows past their retention, deleted in small batches by the ``retention``
stage (curation/stages.py).

The rules are the ones the counters already apply as they go (salts older than yesterday,
rate-limit events older than the window); they apply them only when traffic comes, so an
instance without visits for a while keeps old salts, and one action's old events stay until
that action is used again. The sweep applies them whatever the traffic, a batch at a time,
so no delete holds many rows at once. Raw view and click events are the rollup's to prune
(``analytics.rollup.prune``, after ``ANALYTICS_RAW_DAYS``); the daily counts
(``DailyCount``) are the aggregates the Audience page shows: kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models

from florilege.analytics.models import DailySalt, RateEvent
from florilege.analytics.throttle import WINDOW


def _expired(now: datetime) -> list[models.QuerySet]:
    yesterday = now.date() - timedelta(days=1)
    return [
        DailySalt.objects.filter(day__lt=yesterday),
        RateEvent.objects.filter(at__lt=now - WINDOW),
    ]


def sweep_raw_rows(now: datetime, batch: int) -> int:
    """Delete up to ``batch`` expired rows of each raw table; how many went."""
    deleted = 0
    for expired in _expired(now):
        ids = list(expired.order_by("pk").values_list("pk", flat=True)[:batch])
        if ids:
            deleted += expired.model.objects.filter(pk__in=ids).delete()[0]
    return deleted


def raw_rows_due(now: datetime) -> int:
    return sum(expired.count() for expired in _expired(now))
