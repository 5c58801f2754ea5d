"""What publishing adds to a topic's daily audience figures (see
``analytics.contributors``): followers by email, and the digest editions sent that day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Q

from florilege.analytics.contributors import Row, register
from florilege.publishing.models import DigestSend, Subscriber


def email_followers(start: datetime, end: datetime) -> Iterable[Row]:
    """A snapshot at the day's end: confirmed followers then, and those who had left."""
    confirmed = Q(confirmed_at__lt=end) & (
        Q(unsubscribed_at__isnull=True) | Q(unsubscribed_at__gte=end)
    )
    left = Q(unsubscribed_at__lt=end)
    for r in Subscriber.objects.values("topic_id").annotate(
        confirmed=Count("id", filter=confirmed), left=Count("id", filter=left)
    ):
        if r["confirmed"]:
            yield (r["topic_id"], "followers", "email", r["confirmed"])
        if r["left"]:
            yield (r["topic_id"], "unsubscribed", "email", r["left"])


def digest_sends(start: datetime, end: datetime) -> Iterable[Row]:
    """Per edition: emails handed to the mail server that day, and those it refused."""
    day = DigestSend.objects.filter(
        Q(sent_at__gte=start, sent_at__lt=end)
        | Q(status=DigestSend.Status.FAILED, next_attempt_at__gte=start, next_attempt_at__lt=end)
    )
    for r in day.values("run__topic_id", "run_id").annotate(
        sent=Count("id", filter=Q(status=DigestSend.Status.SENT)),
        failed=Count("id", filter=Q(status=DigestSend.Status.FAILED)),
    ):
        if r["sent"]:
            yield (r["run__topic_id"], "digest_sent", str(r["run_id"]), r["sent"])
        if r["failed"]:
            yield (r["run__topic_id"], "digest_bounced", str(r["run_id"]), r["failed"])


register("email_followers", email_followers)
register("digest_sends", digest_sends)
