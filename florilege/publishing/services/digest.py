"""The newsletter: plan each topic's due editions, then send them as leased rows.

Planning creates one ``DigestRun`` per (topic, frequency, period), with the scoops fixed,
and one ``DigestSend`` per confirmed follower; both are unique, so planning is idempotent
and any number of workers may plan at once.

Sending is **at least once per row, never twice in the normal course**: a worker marks a
batch ``sending`` under its lease in one committed transaction, sends each email, and
marks each row ``sent`` right after its own email (not after the batch). A crash before an
email leaves its row ``sending``; when the lease expires another worker sends it. Only an
email accepted by the SMTP server in the instant before the crash, with its ``sent`` mark
not yet committed, can go twice; it then carries the same Message-ID, which mailboxes use
to drop the copy. Losing an email silently (at-most-once) was judged worse than that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q

from florilege.curation.models import Scoop
from florilege.jobs import leases, outbox
from florilege.publishing.digest_schedule import DAILY, WEEKLY, Period, due_period
from florilege.publishing.models import DigestRun, DigestSchedule, DigestSend, Subscriber
from florilege.publishing.services.mail import Edition, digest_email, render_edition
from florilege.topics.models import Topic

log = logging.getLogger("florilege.digest")
MAX_SCOOPS = 20
MAX_ATTEMPTS = 5
SEND_BATCH = 50


@dataclass
class DigestReport:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def schedules(now: datetime) -> list[DigestSchedule]:
    """Schedules of public topics that have confirmed followers; a topic without saved
    settings uses the defaults (every day at 08:00 UTC, weekly on Monday)."""
    followed = Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).values("topic_id")
    topics = Topic.objects.filter(is_public=True, pk__in=followed)
    saved = {s.topic_id: s for s in DigestSchedule.objects.filter(topic__in=topics)}
    out = []
    for topic in topics:
        schedule = saved.get(topic.pk) or DigestSchedule(topic=topic)
        schedule.topic = topic
        if schedule.enabled:
            out.append(schedule)
    return out


def select_scoops(topic: Topic, period: Period, now: datetime) -> list[int]:
    scoops = (
        Scoop.objects.visible(now)
        .filter(topic=topic, published_at__gt=period.since, published_at__lte=period.until)
        .order_by("-published_at", "-id")
        .values_list("pk", flat=True)
    )
    return list(scoops[:MAX_SCOOPS])


def plan(now: datetime) -> int:
    """Create the due editions and their send rows; returns how many rows were added.

    A fixed handful of queries when nothing is due, however many topics there are: the
    editions already planned this week and the followers per topic and frequency are read
    once, and only a topic with an unplanned edition and followers for it goes further."""
    # Any due edition's send time is within the last week.
    planned = set(
        DigestRun.objects.filter(until__gte=now - timedelta(days=8)).values_list(
            "topic_id", "frequency", "period"
        )
    )
    followed = set(
        Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED)
        .values_list("topic_id", "frequency")
        .distinct()
    )
    added = 0
    for schedule in schedules(now):
        for frequency in (DAILY, WEEKLY):
            period = due_period(now, frequency, schedule.hour, schedule.weekday, schedule.time_zone)
            key = (schedule.topic_id, frequency, period.key)
            if key in planned or (schedule.topic_id, frequency) not in followed:
                continue  # a follower confirming later in the period still gets it
            added += _plan_one(schedule.topic, period, now)
    return added


def _plan_one(topic: Topic, period: Period, now: datetime) -> int:
    followers = list(
        Subscriber.objects.filter(
            topic=topic, status=Subscriber.Status.CONFIRMED, frequency=period.frequency
        ).values_list("pk", flat=True)
    )
    if not followers:
        return 0
    scoop_ids = select_scoops(topic, period, now)
    try:
        with transaction.atomic():
            run = DigestRun.objects.create(
                topic=topic,
                frequency=period.frequency,
                period=period.key,
                since=period.since,
                until=period.until,
                scoop_ids=scoop_ids,
                created_at=now,
            )
            if not scoop_ids:
                return 0  # an empty edition is recorded (so it is not planned again), not sent
            rows = [DigestSend(run=run, subscriber_id=pk, next_attempt_at=now) for pk in followers]
            DigestSend.objects.bulk_create(rows, ignore_conflicts=True)
    except IntegrityError:
        return 0  # another worker planned the same edition first
    log.info("event=digest_planned topic=%s period=%s sends=%d", topic.pk, period.key, len(rows))
    return len(rows)


def lease(now: datetime, limit: int, owner: str) -> list[int]:
    """Take due rows: pending ones, and ``sending`` ones whose worker's lease ran out."""
    due = DigestSend.objects.filter(
        Q(status=DigestSend.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=DigestSend.Status.SENDING, leased_until__lt=now)
    ).order_by("next_attempt_at", "id")
    rows = leases.claim(
        due.only("pk"),
        now=now,
        limit=limit,
        owner=owner,
        only_free=False,  # the filter already says which held rows may be taken over
        also_set={"status": DigestSend.Status.SENDING},
    )
    return [row.pk for row in rows]


def send_leased(ids: list[int], owner: str, now: datetime, report: DigestReport) -> None:
    rows = (
        DigestSend.objects.filter(pk__in=ids, lease_owner=owner, status=DigestSend.Status.SENDING)
        .select_related("run", "run__topic", "subscriber", "subscriber__topic")
        .order_by("id")
    )
    editions: dict[int, Edition | None] = {}
    smtp = get_connection()
    try:
        # One SMTP session for the batch; if the server is down, each send below fails
        # and records its own retry. No server configured: nothing to open, each email
        # goes to the outbox.
        if outbox.mail_configured():
            smtp.open()
    except Exception:
        log.warning("event=smtp_unavailable", exc_info=True)
    try:
        for row in rows:
            if row.run_id not in editions:
                editions[row.run_id] = _edition(row.run, now)
            _send_one(row, editions[row.run_id], owner, now, smtp, report)
    finally:
        smtp.close()


def _edition(run: DigestRun, now: datetime) -> Edition | None:
    """The edition's emails, rendered once; None when none of its scoops is still visible
    (a scoop unpublished since planning is left out)."""
    found = (
        Scoop.objects.visible(now).filter(pk__in=run.scoop_ids).select_related("topic", "picture")
    )
    by_id = {s.pk: s for s in found}
    scoops = [by_id[pk] for pk in run.scoop_ids if pk in by_id]
    return render_edition(run.topic, scoops, run.period, run.pk) if scoops else None


def _send_one(row: DigestSend, edition: Edition | None, owner: str, now: datetime, smtp, report):
    mine = DigestSend.objects.filter(pk=row.pk, lease_owner=owner)
    if row.subscriber.status != Subscriber.Status.CONFIRMED or edition is None:
        mine.update(status=DigestSend.Status.SKIPPED, leased_until=None)
        report.skipped += 1
        return
    host = urlsplit(settings.BASE_URL).hostname or "localhost"
    message = digest_email(
        row.subscriber, edition, message_id=f"<digest-{row.run_id}-{row.subscriber_id}@{host}>"
    )
    message.connection = smtp
    try:
        # Recorded in the outbox (one row per follower and edition, updated by retries).
        mail = outbox.deliver("digest", message, about=f"digestsend:{row.pk}", now=now)
    except Exception as exc:
        attempts = row.attempts + 1
        failed = attempts >= MAX_ATTEMPTS
        mine.update(
            status=DigestSend.Status.FAILED if failed else DigestSend.Status.PENDING,
            attempts=attempts,
            next_attempt_at=now + timedelta(minutes=5 * 2**attempts),
            leased_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        log.warning("event=digest_send_failed send=%s attempts=%d", row.pk, attempts)
        report.failed += 1
        return
    if mail.state == mail.State.UNCONFIGURED:
        # Kept in the outbox for the site admin to resend once mail works; not retried here.
        mine.update(status=DigestSend.Status.SKIPPED, leased_until=None,
                    last_error="mail is not configured")  # fmt: skip
        report.skipped += 1
        return
    # Marked right after its own email, so a crash later in the batch resends only the rest.
    mine.update(status=DigestSend.Status.SENT, sent_at=now, leased_until=None, last_error="")
    report.sent += 1


def digest_cycle(now: datetime, owner: str, limit: int = SEND_BATCH) -> DigestReport:
    """One worker cycle: plan due editions, then send one leased batch."""
    report = DigestReport(planned=plan(now))
    ids = lease(now, limit, owner)
    if ids:
        send_leased(ids, owner, now, report)
    return report
