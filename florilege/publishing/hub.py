"""WebSub publisher side: tell the configured hub that our feeds changed.

Publishing a scoop writes a :class:`HubPing` row (publishing.signals); a worker cycle
leases due rows, sends one ``hub.mode=publish`` POST per changed feed address (each
address once per cycle, however many scoops changed it) and records the outcome. A
failed ping is retried with exponential backoff; a crash leaves the lease to expire.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet

from florilege.curation.models import Scoop
from florilege.jobs import leases
from florilege.lib.fetching import policy_from_settings
from florilege.lib.http import FetchError, GuardedClient
from florilege.publishing.feeds import feed_paths_of
from florilege.publishing.models import HubPing

log = logging.getLogger("florilege.publishing.hub")
BATCH = 50
MAX_ATTEMPTS = 8
ClientFactory = Callable[[], GuardedClient]


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after the first, second, third failure; at most six hours."""
    return leases.backoff(attempts, timedelta(minutes=1), timedelta(hours=6))


def due_pings(now: datetime) -> QuerySet[HubPing]:
    return HubPing.objects.filter(sent_at__isnull=True, due_at__lte=now, attempts__lt=MAX_ATTEMPTS)


def _lease(now: datetime) -> list[HubPing]:
    return leases.claim(due_pings(now).order_by("due_at"), now=now, limit=BATCH, owner_field=None)


async def _publish(client: GuardedClient, hub: str, url: str) -> str:
    """'' when the hub accepted the ping, else the reason."""
    try:
        status = (await client.post(hub, {"hub.mode": "publish", "hub.url": url})).status
    except FetchError as exc:
        return exc.message
    return "" if 200 <= status < 300 else f"the hub answered {status}"


def ping_cycle(now: datetime, client_factory: ClientFactory | None = None) -> int:
    """Send the due pings; returns how many scoops' pings were accepted by the hub."""
    hub = settings.WEBSUB_HUB
    if not hub:
        return 0
    batch = _lease(now)
    if not batch:
        return 0
    visible = set(
        Scoop.objects.visible(now)
        .filter(pk__in=[p.scoop_id for p in batch])
        .values_list("pk", flat=True)
    )
    scoops = Scoop.objects.select_related("topic", "curator").in_bulk(visible)
    urls_of = {p.pk: feed_paths_of(scoops[p.scoop_id]) for p in batch if p.scoop_id in visible}
    urls = sorted({u for us in urls_of.values() for u in us})
    factory = client_factory or (lambda: GuardedClient(policy_from_settings()))

    async def send_all() -> dict[str, str]:
        async with factory() as client:
            errors = await asyncio.gather(*(_publish(client, hub, u) for u in urls))
        return dict(zip(urls, errors, strict=True))

    errors = asyncio.run(send_all()) if urls else {}
    accepted = 0
    for ping in batch:
        failures = [errors[u] for u in urls_of.get(ping.pk, []) if errors[u]]
        if not failures:
            # Sent, or nothing to announce (the topic went private, the scoop was removed
            # from view): either way nothing is owed any more.
            HubPing.objects.filter(pk=ping.pk).update(sent_at=now, leased_until=None)
            accepted += ping.pk in urls_of
            continue
        attempts = ping.attempts + 1
        log.warning("event=hub_ping_failed scoop=%s error=%s", ping.scoop_id, failures[0])
        HubPing.objects.filter(pk=ping.pk).update(
            attempts=attempts,
            last_error=failures[0][:500],
            due_at=now + retry_delay(attempts),
            leased_until=None,
        )
    return accepted
