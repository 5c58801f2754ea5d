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
