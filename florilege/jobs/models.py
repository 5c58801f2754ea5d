from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class OutgoingMail(models.Model):
    """One email the site wrote, kept for the site admin: what was said to whom, and what
    became of it. Recorded by the job that writes it (``florilege.jobs.outbox``), so a
    message is never lost to a mail server that is missing, down or refusing: it waits
    here, readable, until someone resends it."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        UNCONFIGURED = "unconfigured", _("not sent: mail is not configured")

    kind = models.CharField(max_length=40)
    # What the message is about, in its sender's words ("subscriber:12"): lets a page show
    # the fate of the email it asked for, and a retry update its row instead of adding one.
    about = models.CharField(max_length=100, blank=True)
    recipient = models.TextField()  # the addresses, comma-separated
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The job that last tried to send it: the status page links a failed job to its message.
    job_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["-created_at"], name="outgoingmail_newest"),
            models.Index(fields=["kind", "about"], name="outgoingmail_about"),
            models.Index(fields=["job_id"], name="outgoingmail_job"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}: {self.state}"
