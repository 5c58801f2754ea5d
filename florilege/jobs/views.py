"""The operator's pages (site admins only): the status page, each stage's backlog, lag and
last error; and the outbox, every email the site wrote, with a resend button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from florilege.jobs import outbox, registry
from florilege.jobs.models import OutgoingMail, StageState, WorkerBeat
from florilege.jobs.tasks import FailedTask, failed_tasks
from florilege.lib.params import bounded_int

FAILED_SHOWN = 20
OUTBOX_PAGE = 50
# A worker writes its row at least every half minute while it cycles (a long cycle, such as
# a slow fetch batch, takes a few minutes at most): past this, it is shown as stalled.
STALLED_AFTER = timedelta(minutes=5)


@dataclass
class FailedRow:
    job: FailedTask
    mail: OutgoingMail | None  # the message a failed mail job was sending


@dataclass
class WorkerRow:
    beat: WorkerBeat
    stalled: bool


@dataclass
class StageRow:
    stage: registry.Stage
    due: int | None
    lag: timedelta | None
    state: StageState | None
    error: str = ""  # the backlog could not be counted

    @property
    def lag_text(self) -> str:
        return duration_text(self.lag)

    @property
    def failing(self) -> bool:
        return bool(self.state and self.state.failures)


def duration_text(value: timedelta | None) -> str:
    """A short wait, as an operator reads it: 45s, 12m, 3h, 2d."""
    if value is None:
        return "-"
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 2 * size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def stage_rows() -> list[StageRow]:
    now = timezone.now()
    states = StageState.objects.in_bulk([s.name for s in registry.all_stages()])
    rows = []
    for stage in registry.all_stages():
        try:
            backlog = stage.backlog(now)
        except Exception as exc:  # one broken count must not hide the other stages
            rows.append(StageRow(stage, None, None, states.get(stage.name), type(exc).__name__))
            continue
        rows.append(StageRow(stage, backlog.due, backlog.lag(now), states.get(stage.name)))
    return rows


def _failed_tasks() -> list[FailedRow] | None:
    """The newest failed one-off jobs, each with the email it was sending if it is a mail
    job; None when their backend cannot be read."""
    try:
        jobs = failed_tasks(FAILED_SHOWN)
    except Exception:
        return None
    mails = OutgoingMail.objects.filter(job_id__in=[j.id for j in jobs]).only("pk", "job_id")
    by_job = {m.job_id: m for m in mails}
    return [FailedRow(job, by_job.get(job.id)) for job in jobs]


def worker_rows(now: datetime) -> list[WorkerRow]:
    beats = WorkerBeat.objects.order_by("-last_cycle_at", "owner")
    return [
        WorkerRow(b, b.last_cycle_at is None or now - b.last_cycle_at > STALLED_AFTER)
        for b in beats
    ]


def last_outage(workers: list[WorkerRow]) -> WorkerBeat | None:
    """The latest time a worker found the database unavailable (recorded once it was back)."""
    seen = [w.beat for w in workers if w.beat.database_back_at]
    return max(seen, key=lambda b: b.database_back_at or b.started_at, default=None)


@staff_member_required
def status(request: HttpRequest) -> HttpResponse:
    rows = stage_rows()
    now = timezone.now()
    workers = worker_rows(now)
    cycles = [w.beat.last_cycle_at for w in workers if w.beat.last_cycle_at]
    context = {
        "rows": rows,
        "workers": workers,
        "last_cycle": max(cycles, default=None),
        "outage": last_outage(workers),
        "failing": sum(r.failing for r in rows),
        "failed_tasks": _failed_tasks(),
        "mail_configured": outbox.mail_configured(),
        "now": now,
    }
    return render(request, "jobs/status.html", context)


@staff_member_required
def outbox_list(request: HttpRequest) -> HttpResponse:
    """Every email the site wrote, newest first, optionally of one state."""
    state = request.GET.get("state", "")
    rows = OutgoingMail.objects.defer("body", "html", "headers").order_by("-created_at", "-pk")
    if state in OutgoingMail.State.values:
        rows = rows.filter(state=state)
    else:
        state = ""
    page = bounded_int(request.GET.get("page"), 1, 1, 10_000)
    start = (page - 1) * OUTBOX_PAGE
    shown = list(rows[start : start + OUTBOX_PAGE + 1])
    context = {
        "mails": shown[:OUTBOX_PAGE],
        "more": len(shown) > OUTBOX_PAGE,
        "page": page,
        "state": state,
        "states": OutgoingMail.State.choices,
        "mail_configured": outbox.mail_configured(),
    }
    return render(request, "jobs/outbox.html", context)


@staff_member_required
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(OutgoingMail, pk=pk)
    context = {"mail": mail, "mail_configured": outbox.mail_configured()}
    return render(request, "jobs/outbox_message.html", context)


@staff_member_required
@require_POST
def outbox_resend(request: HttpRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(OutgoingMail, pk=pk)
    if outbox.resend(mail, timezone.now()):
        messages.success(request, _("Queued to be sent again."))
    else:
        messages.error(
            request, _("Not queued: mail is not configured. Configure it, then resend.")
        )
    return redirect("outbox_message", pk=mail.pk)
