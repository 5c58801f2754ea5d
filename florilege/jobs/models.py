from __future__ import annotations

from django.db import models


class StageState(models.Model):
    """How a background stage fares, as the workers running it last reported: what the
    operator status page and ``worker --list`` show. One row per stage, written by any
    worker; only failures and changes are written, never one row per cycle."""

    name = models.CharField(max_length=40, primary_key=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Failures in a row: reset by the next success.
    failures = models.PositiveIntegerField(default=0)
    backoff_until = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name


class WorkerBeat(models.Model):
    """A running ``manage.py worker`` as it last reported: when it last finished a cycle
    (written at most every half minute), so the status page shows a stalled worker, and the
    last time it found the database unavailable. A worker cannot write to a database that
    is down, so the outage is recorded when the database comes back."""

    owner = models.CharField(max_length=200, primary_key=True)  # host:pid, as leases
    stages = models.TextField(blank=True)
    started_at = models.DateTimeField()
    last_cycle_at = models.DateTimeField(null=True, blank=True)
    database_down_since = models.DateTimeField(null=True, blank=True)
    database_back_at = models.DateTimeField(null=True, blank=True)
    database_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.owner
