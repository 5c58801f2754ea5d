"""Sending due deliveries: leased by the ``webhooks`` stage, POSTed through the guarded
client (no loopback or private addresses unless the operator allows them), signed at each
attempt, retried with exponential backoff, the last answer kept for the delivery log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import QuerySet

from florilege.jobs import leases
from florilege.lib.fetching import policy_from_settings
from florilege.lib.html import clean_text
from florilege.lib.http import FetchError, FetchResponse, GuardedClient
from florilege.webhooks import signing
from florilege.webhooks.models import Delivery

log = logging.getLogger("florilege.webhooks")
BATCH = 50
MAX_ATTEMPTS = 8
EXCERPT = 500
# The delivery log is for "did it arrive, what did it answer": finished rows older than
# this are forgotten, a batch at a time.
KEPT = timedelta(days=30)
ClientFactory = Callable[[], GuardedClient]


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, then 1, 2, 4 ... minutes; at most six hours."""
    return leases.backoff(attempts, timedelta(seconds=30), timedelta(hours=6))


def due(now: datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)


async def _post(client: GuardedClient, delivery: Delivery, now: datetime) -> FetchResponse | str:
    hook = delivery.webhook
    body = bytes(delivery.body)
    headers = signing.headers(hook.secret, delivery.msg_id, int(now.timestamp()), body)
    try:
        return await client.post(hook.url, headers=headers, content=body)
    except FetchError as exc:
        return exc.message


def _excerpt(content: bytes) -> str:
    return clean_text(content[:2000].decode("utf-8", "replace"))[:EXCERPT]


def _record(delivery: Delivery, outcome: FetchResponse | str, now: datetime) -> bool:
    attempts = delivery.attempts + 1
    values: dict = {"attempts": attempts, "last_attempt_at": now, "leased_until": None}
    if isinstance(outcome, str):
        values.update(last_status=None, last_response="", last_error=outcome[:500])
        ok = False
    else:
        ok = 200 <= outcome.status < 300
        values.update(last_status=outcome.status, last_response=_excerpt(outcome.content),
                      last_error="" if ok else f"HTTP {outcome.status}")  # fmt: skip
    if ok:
        values["status"] = Delivery.Status.SENT
    elif attempts >= MAX_ATTEMPTS:
        values["status"] = Delivery.Status.FAILED
    else:
        values["next_attempt_at"] = now + retry_delay(attempts)
    if not ok:
        log.warning("event=webhook_failed delivery=%s attempts=%d error=%s", delivery.pk,
                    attempts, values["last_error"])  # fmt: skip
    Delivery.objects.filter(pk=delivery.pk).update(**values)
    return ok


def forget_old(now: datetime) -> int:
    old = Delivery.objects.filter(created_at__lt=now - KEPT).exclude(status=Delivery.Status.PENDING)
    ids = list(old.values_list("pk", flat=True)[:1000])
    return Delivery.objects.filter(pk__in=ids).delete()[0] if ids else 0


def delivery_cycle(now: datetime, client_factory: ClientFactory | None = None) -> int:
    """Send the due deliveries; returns how many were handled (delivered or not)."""
    forget_old(now)
    batch = leases.claim(
        due(now).select_related("webhook").order_by("next_attempt_at", "pk"),
        now=now,
        limit=BATCH,
        owner_field=None,
    )
    if not batch:
        return 0
    factory = client_factory or (lambda: GuardedClient(policy_from_settings()))

    async def send_all() -> list[FetchResponse | str]:
        async with factory() as client:
            return await asyncio.gather(*(_post(client, d, now) for d in batch))

    outcomes = asyncio.run(send_all())
    for delivery, outcome in zip(batch, outcomes, strict=True):
        _record(delivery, outcome, now)
    return len(batch)
