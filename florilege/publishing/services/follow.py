"""Following a topic by email: double opt-in, confirmation, one-click unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django_tasks import TaskContext, task

from florilege.analytics import throttle
from florilege.jobs import outbox
from florilege.jobs.tasks import enqueue
from florilege.publishing.models import Subscriber
from florilege.publishing.services.mail import confirmation_email
from florilege.publishing.services.tokens import confirming, unsubscribing
from florilege.topics.models import Topic

# A pending address gets at most one confirmation email in this time, whoever asks.
RESEND_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str = ""  # "rate_limited" when not ok


def subscribe(topic: Topic, email: str, frequency: str, visitor: str, now: datetime) -> Outcome:
    """Ask ``email`` to confirm it follows ``topic``. The answer is the same whether the
    address was new, pending or already confirmed, so the form cannot be used to learn who
    follows what."""
    if not throttle.allow("subscribe", visitor, settings.CONFIG.SUBSCRIBES_PER_HOUR, now):
        return Outcome(False, "rate_limited")
    email = email.strip()
    try:
        with transaction.atomic():
            subscriber, _ = Subscriber.objects.select_for_update().get_or_create(
                topic=topic, email__iexact=email, defaults={"email": email, "created_at": now}
            )
    except IntegrityError:  # two requests for the same new address at once
        subscriber = Subscriber.objects.get(topic=topic, email__iexact=email)
    if subscriber.status == Subscriber.Status.CONFIRMED:
        # Nothing changes without the address owner's consent, not even the frequency.
        return Outcome(True)
    sent_recently = (
        subscriber.confirmation_sent_at is not None
        and now - subscriber.confirmation_sent_at < RESEND_AFTER
    )
    subscriber.status = Subscriber.Status.PENDING
    subscriber.frequency = frequency
    if sent_recently:
        subscriber.save(update_fields=["status", "frequency"])
        return Outcome(True)
    subscriber.confirmation_sent_at = now
    with transaction.atomic():
        subscriber.save(update_fields=["status", "frequency", "confirmation_sent_at"])
        # Sent by a worker: the reader never waits on the mail server, and a failure is
        # kept on the job for the operator instead of being shown to the reader.
        enqueue(send_confirmation, subscriber.pk)
    return Outcome(True)


@task(takes_context=True)
def send_confirmation(context: TaskContext, subscriber_id: int) -> bool:
    """Email the confirmation link to a pending follower, through the outbox; False when
    nothing is owed any more (confirmed, unsubscribed or gone since). Raises when the mail
    server refuses (the message stays in the outbox, marked failed)."""
    subscriber = (
        Subscriber.objects.select_related("topic")
        .filter(pk=subscriber_id, status=Subscriber.Status.PENDING)
        .first()
    )
    if subscriber is None:
        return False
    try:
        outbox.deliver(
            "follow_confirmation",
            confirmation_email(subscriber),
            about=f"subscriber:{subscriber.pk}",
            job=outbox.job_id(context),
        )
    except Exception:
        # Not sent: a new request from the reader may ask again at once, without waiting
        # for the resend delay.
        Subscriber.objects.filter(
            pk=subscriber.pk, confirmation_sent_at=subscriber.confirmation_sent_at
        ).update(confirmation_sent_at=None)
        raise
    return True


def pending_from_token(token: str, now: datetime) -> Subscriber | None:
    return confirming(token, now)


def confirm(token: str, now: datetime) -> Subscriber | None:
    """Confirm the subscription a valid, unexpired token names; None otherwise."""
    subscriber = confirming(token, now)
    if subscriber is None:
        return None
    if subscriber.status != Subscriber.Status.CONFIRMED:
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.confirmed_at = now
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["status", "confirmed_at", "unsubscribed_at"])
    return subscriber


def subscriber_for_unsubscribe(token: str) -> Subscriber | None:
    return unsubscribing(token)


def unsubscribe(token: str, now: datetime) -> Subscriber | None:
    """Stop every email to the subscriber a valid token names; None for a bad token.
    Idempotent: a second click (or a mail client's repeat POST) changes nothing."""
    subscriber = subscriber_for_unsubscribe(token)
    if subscriber is None:
        return None
    if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = now
        subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber
