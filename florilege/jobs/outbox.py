"""The outbox: every email the site writes is recorded here, then handed to the mail server.

Whoever writes an email (a confirmation, an invitation, a password reset, a digest) does it
in a job and calls :func:`deliver`: the message is stored as an ``OutgoingMail`` row, and
sent only when a mail server is configured. Without one it stays in the outbox as "not
sent: mail is not configured" rather than failing, so a fresh install loses nothing and
its admin can read every message on the outbox page, and resend it once mail works. A
send the server refuses is recorded as failed, with its error, before the job fails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskContext, task

from florilege.jobs.models import OutgoingMail
from florilege.jobs.tasks import enqueue

log = logging.getLogger("florilege.mail")
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
State = OutgoingMail.State
# Rows a new attempt at the same message may take over, instead of adding a copy.
UNSENT = (State.QUEUED, State.FAILED, State.UNCONFIGURED)


def mail_configured() -> bool:
    """Whether a mail server was named. SMTP needs a host (FLORILEGE_EMAIL_HOST, empty by
    default); any other backend (a file or console backend, the tests' memory) was chosen
    on purpose, so it counts as configured."""
    return settings.EMAIL_BACKEND != SMTP_BACKEND or bool(settings.EMAIL_HOST)


def job_id(context: TaskContext | None) -> str:
    return str(context.task_result.id)[:64] if context is not None else ""


def deliver(
    kind: str, message: EmailMessage, *, about: str = "", job: str = "", now: datetime | None = None
) -> OutgoingMail:
    """Record ``message`` and send it if mail is configured; called from a job, never from a
    request. Returns its row, sent or not configured; when the server refuses, the row is
    marked failed with the error and the server's exception is raised again, so the job is
    kept as failed for the operator too."""
    now = now or timezone.now()
    row = _record(kind, message, about, job, now)
    if not mail_configured():
        log.info("event=mail_not_configured mail=%s kind=%s", row.pk, kind)
        return row
    return _attempt(row, message, now)


def _record(kind: str, message: EmailMessage, about: str, job: str, now: datetime) -> OutgoingMail:
    html = ""
    if isinstance(message, EmailMultiAlternatives):
        html = next((str(c) for c, mime in message.alternatives if mime == "text/html"), "")
    fields = {
        "recipient": ", ".join(message.to),
        "subject": str(message.subject)[:998],
        "body": str(message.body),
        "html": html,
        "headers": {k: str(v) for k, v in message.extra_headers.items()},
        "state": State.QUEUED if mail_configured() else State.UNCONFIGURED,
        "job_id": job,
        "updated_at": now,
    }
    with transaction.atomic():
        # A retried job, or a second try at the same message, updates the row it left.
        row = None
        if about:
            row = (
                OutgoingMail.objects.select_for_update()
                .filter(kind=kind, about=about, state__in=UNSENT)
                .order_by("-pk")
                .first()
            )
        if row is None:
            return OutgoingMail.objects.create(kind=kind, about=about, created_at=now, **fields)
        for name, value in fields.items():
            setattr(row, name, value)
        row.save()
    return row


def _attempt(row: OutgoingMail, message: EmailMessage, now: datetime) -> OutgoingMail:
    row.attempts += 1
    try:
        message.send()
    except Exception as exc:
        row.state = State.FAILED
        row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        row.updated_at = timezone.now()
        row.save(update_fields=["state", "attempts", "last_error", "updated_at"])
        log.warning("event=mail_failed mail=%s kind=%s error=%s", row.pk, row.kind, row.last_error)
        raise
    row.state, row.last_error, row.sent_at = State.SENT, "", now
    row.updated_at = timezone.now()
    row.save(update_fields=["state", "attempts", "last_error", "sent_at", "updated_at"])
    return row


def as_message(row: OutgoingMail) -> EmailMultiAlternatives:
    """The recorded message, as it was first written."""
    to = [a.strip() for a in row.recipient.split(",") if a.strip()]
    message = EmailMultiAlternatives(row.subject, row.body, to=to, headers=dict(row.headers))
    if row.html:
        message.attach_alternative(row.html, "text/html")
    return message


def resend(mail: OutgoingMail, now: datetime) -> bool:
    """Queue a recorded message to be sent again, by a job; False (nothing queued) while
    mail is not configured."""
    if not mail_configured():
        return False
    with transaction.atomic():
        OutgoingMail.objects.filter(pk=mail.pk).update(state=State.QUEUED, updated_at=now)
        enqueue(send_again, mail.pk)
    return True


@task(takes_context=True)
def send_again(context: TaskContext, mail_id: int) -> bool:
    """Send a message queued again from the outbox; False when it is no longer queued (sent
    by a twin job meanwhile) or mail is not configured any more."""
    row = OutgoingMail.objects.filter(pk=mail_id, state=State.QUEUED).first()
    if row is None:
        return False
    row.job_id = job_id(context)
    if not mail_configured():
        OutgoingMail.objects.filter(pk=row.pk).update(state=State.UNCONFIGURED)
        return False
    row.save(update_fields=["job_id"])
    _attempt(row, as_message(row), timezone.now())
    return True


def latest_about(kind: str, abouts: Iterable[str]) -> dict[str, OutgoingMail]:
    """The newest message of ``kind`` about each of ``abouts`` (one query)."""
    found: dict[str, OutgoingMail] = {}
    for row in OutgoingMail.objects.filter(kind=kind, about__in=list(abouts)).order_by("pk"):
        found[row.about] = row
    return found
