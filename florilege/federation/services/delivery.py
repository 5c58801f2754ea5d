"""Delivering: lease due Delivery rows, POST them signed and concurrently, record outcomes.

A worker leases a batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several workers
share the table; a crash leaves the lease to expire and the rows due again. Delivery is
at-least-once: a crash between a remote server's 202 and our write sends that activity
again, which receivers absorb because activities carry stable ids. Deliveries to an
instance that keeps failing wait (it is skipped) instead of holding worker slots.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from florilege.federation import backoff, ids
from florilege.federation.models import Delivery, Instance, LocalActor, OutboxActivity
from florilege.federation.services.actors import actor_uri, ensure_keys
from florilege.federation.signatures import load_private_key, sign_request
from florilege.jobs import leases
from florilege.jobs.leases import worker_id
from florilege.lib.fetching import policy_from_settings
from florilege.lib.http import FetchError, FetchPolicy, GuardedClient

log = logging.getLogger("florilege.federation")


@dataclass
class Job:
    delivery_id: int
    inbox: str
    body: bytes
    key_id: str
    key: Any


@dataclass
class Outcome:
    delivery_id: int
    status: int | None = None
    error: str = ""
    finished_at: float = 0.0  # monotonic, for the benchmark's time to last delivery


@dataclass
class DeliveryReport:
    leased: int = 0
    delivered: int = 0
    failed: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


def due_deliveries(now: datetime) -> QuerySet[Delivery]:
    """Pending deliveries whose time has come, except to instances being skipped."""
    dead = Instance.objects.filter(retry_after__gt=now).values("domain")
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).exclude(domain__in=dead)


def lease_due(now: datetime, limit: int, owner: str) -> list[Delivery]:
    due = due_deliveries(now).order_by("next_attempt_at", "id")
    return leases.claim(due, now=now, limit=limit, owner=owner)


def build_jobs(batch: list[Delivery]) -> list[Job]:
    """Serialise each activity once and load each actor's key once for the whole batch."""
    activity_ids = {d.activity_id for d in batch}
    activities = OutboxActivity.objects.in_bulk(activity_ids)
    actors = LocalActor.objects.in_bulk({a.actor_id for a in activities.values()})
    keys: dict[int, tuple[str, Any]] = {}
    for pk, actor in actors.items():
        actor = ensure_keys(actor)
        keys[pk] = (ids.key_id(actor_uri(actor)), load_private_key(actor.private_key_pem))
    bodies = {
        pk: json.dumps(a.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        for pk, a in activities.items()
    }
    jobs = []
    for d in batch:
        activity = activities[d.activity_id]
        key_id, key = keys[activity.actor_id]
        jobs.append(Job(d.pk, d.inbox, bodies[d.activity_id], key_id, key))
    return jobs


async def post_one(client: GuardedClient, job: Job, now: datetime, timeout: float) -> Outcome:
    headers = sign_request(
        "POST",
        job.inbox,
        key_id=job.key_id,
        private_key=job.key,
        now=now,
        body=job.body,
        headers={"Accept": "application/activity+json"},
    )
    headers.pop("Host", None)  # httpx sends this exact value (no default port) itself
    try:
        async with asyncio.timeout(timeout):
            response = await client.post(job.inbox, headers=headers, content=job.body)
    except TimeoutError:
        return Outcome(job.delivery_id, None, f"No answer within {timeout:g} s.", time.monotonic())
    except FetchError as exc:
        return Outcome(job.delivery_id, None, exc.message[:500], time.monotonic())
    return Outcome(job.delivery_id, response.status, "", time.monotonic())


async def post_all(
    client: GuardedClient, jobs: list[Job], now: datetime, concurrency: int, timeout: float
) -> list[Outcome]:
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(job: Job) -> Outcome:
        async with gate:
            return await post_one(client, job, now, timeout)

    return await asyncio.gather(*(one(job) for job in jobs))


def delivery_policy() -> FetchPolicy:
    cfg = settings.CONFIG
    return replace(
        policy_from_settings(),
        timeout=cfg.FEDERATION_DELIVERY_TIMEOUT,
        connect_timeout=min(cfg.FEDERATION_DELIVERY_TIMEOUT, 10.0),
        max_bytes=64 * 1024,  # an inbox's answer is short; we read it only for errors
    )


def delivery_client() -> GuardedClient:
    # Concurrency is the delivery gate's business; the client keeps the pools of as many
    # instances as may be in flight at once, so none is closed while still in use.
    concurrency = max(1, settings.CONFIG.FEDERATION_DELIVERY_CONCURRENCY)
    return GuardedClient(delivery_policy(), max_origins=max(256, concurrency))


def record(
    batch: list[Delivery], outcomes: list[Outcome], now: datetime, owner: str
) -> DeliveryReport:
    by_id = {d.pk: d for d in batch}
    report = DeliveryReport(leased=len(batch), outcomes=outcomes)
    ok = [o for o in outcomes if o.status is not None and 200 <= o.status < 300]
    mine = Delivery.objects.filter(lease_owner=owner)
    by_status: dict[int, list[int]] = {}
    for outcome in ok:
        by_status.setdefault(outcome.status or 200, []).append(outcome.delivery_id)
    with transaction.atomic():
        # One UPDATE per status answered (200, 202, 204...: a handful), each recorded as is.
        for status, delivery_ids in by_status.items():
            mine.filter(pk__in=delivery_ids).update(
                status=Delivery.Status.DONE,
                delivered_at=now,
                attempts=F("attempts") + 1,
                last_status=status,
                last_error="",
                leased_until=None,
            )
        failed_domains: dict[str, str] = {}
        ok_ids = {o.delivery_id for o in ok}
        for outcome in outcomes:
            if outcome.delivery_id in ok_ids:
                continue
            delivery = by_id[outcome.delivery_id]
            _record_failure(mine, delivery, outcome, now)
            if outcome.status is None or outcome.status >= 500:
                failed_domains[delivery.domain] = outcome.error or f"HTTP {outcome.status}"
        _record_instances({by_id[o.delivery_id].domain for o in ok}, failed_domains, now)
    report.delivered = len(ok)
    report.failed = len(outcomes) - len(ok)
    return report


def _record_failure(mine, delivery: Delivery, outcome: Outcome, now: datetime) -> None:
    attempts = delivery.attempts + 1
    error = outcome.error or f"The inbox answered HTTP {outcome.status}."
    when = None
    if outcome.status is None or not backoff.permanent_failure(outcome.status):
        when = backoff.next_attempt(attempts, delivery.created_at, now)
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_status": outcome.status,
        "last_error": error[:500],
        "leased_until": None,
    }
    if when is None:
        fields["status"] = Delivery.Status.FAILED
    else:
        fields["next_attempt_at"] = when
    mine.filter(pk=delivery.pk).update(**fields)


def _record_instances(healthy: set[str], failing: dict[str, str], now: datetime) -> None:
    if healthy:
        Instance.objects.filter(domain__in=healthy).update(
            consecutive_failures=0, first_failure_at=None, retry_after=None, last_success_at=now
        )
    for domain, error in failing.items():
        instance, _ = Instance.objects.get_or_create(domain=domain)
        instance.consecutive_failures += 1
        instance.first_failure_at = instance.first_failure_at or now
        instance.retry_after = backoff.instance_retry_after(instance.consecutive_failures, now)
        instance.last_error = error[:500]
        instance.save()


def deliver_cycle(
    now: datetime | None = None,
    *,
    limit: int | None = None,
    client_factory: Callable[[], GuardedClient] | None = None,
) -> DeliveryReport:
    """Lease one batch of due deliveries and send them; returns what happened."""
    now = now or timezone.now()
    cfg = settings.CONFIG
    owner = worker_id()
    batch = lease_due(now, limit or cfg.FEDERATION_DELIVERY_BATCH, owner)
    if not batch:
        return DeliveryReport()
    t0 = time.monotonic()
    jobs = build_jobs(batch)
    log.debug("event=jobs_built n=%d seconds=%.3f", len(jobs), time.monotonic() - t0)
    factory = client_factory or delivery_client

    async def go() -> list[Outcome]:
        async with factory() as client:
            return await post_all(
                client, jobs, now, cfg.FEDERATION_DELIVERY_CONCURRENCY,
                cfg.FEDERATION_DELIVERY_TIMEOUT,
            )  # fmt: skip

    outcomes = asyncio.run(go())
    report = record(batch, outcomes, now, owner)
    log.info(
        "event=delivery_cycle leased=%d delivered=%d failed=%d",
        report.leased, report.delivered, report.failed,
    )  # fmt: skip
    return report
