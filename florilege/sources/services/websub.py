"""WebSub subscriber workflows: subscribe sources to their hubs, answer the hub's
verification, store pushed content.

Push is an accelerator, never a dependency: polling goes on whatever the subscription's
state, so a hub that fails, denies or falls silent costs freshness, not entries.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from florilege.lib.fetching import policy_from_settings
from florilege.lib.http import FetchError, FetchResponse, GuardedClient
from florilege.sources import websub
from florilege.sources.models import Entry, Source
from florilege.sources.parsing import FeedParseError
from florilege.sources.services.fetch import FetchOutcome, read_feed, record_outcome
from florilege.sources.services.ingest import FEED_META_FIELDS
from florilege.topics.models import TopicSource

log = logging.getLogger("florilege.websub")
ClientFactory = Callable[[], GuardedClient]

# A push never moves the source nor touches a worker's lease on it; conditional-GET
# validators belong to the polled URL, not to what the hub sent.
# A push is not a poll: it leaves the fetch state (status, errors, schedule, validators,
# lease) to the worker, which may be fetching the same source right now.
PUSH_STATE_FIELDS = FEED_META_FIELDS


def callback_url(source_id: int) -> str:
    token = websub.callback_token(settings.SECRET_KEY, source_id)
    path = reverse("websub:callback", args=[source_id, token])
    return settings.CONFIG.BASE_URL + path


# --- subscribing --------------------------------------------------------------------------


@dataclass
class Request:
    """One subscription request the cycle sends; ``previous_state`` decides retry or give up."""

    source_id: int
    hub: str
    form: dict[str, str]
    previous_state: str
    error: str = ""
    mode: str = "subscribe"


def websub_cycle(now: datetime, client_factory: ClientFactory | None = None) -> int:
    """Subscribe (or renew) every followed source whose hub wants it, and unsubscribe the
    sources nobody follows any more (or that were disabled); return requests sent.

    Meant to run once per worker cycle; when nothing is due it costs a few small queries.
    """
    _give_up_unverified(now)
    _forget_unsubscribed(now)
    requests = [r for r in (_claim(s, now) for s in _due(now)) if r is not None]
    requests += [r for r in (_claim_stop(s, now) for s in _unwanted(now)) if r is not None]
    if not requests:
        return 0
    factory = client_factory or (lambda: GuardedClient(policy_from_settings()))

    async def send_all() -> None:
        async with factory() as client:
            await asyncio.gather(*(_send(client, r) for r in requests))

    asyncio.run(send_all())
    for request in requests:
        _record_result(request, now)
    return len(requests)


def pending_requests(now: datetime) -> int:
    """Subscriptions and unsubscriptions due (at most a batch of each): the backlog."""
    return len(_due(now)) + len(_unwanted(now))


def _due(now: datetime) -> list[Source]:
    """Candidates in SQL, the final word to :func:`websub.decide` (the pure rule)."""
    followed = TopicSource.objects.filter(source=OuterRef("pk"))
    candidates = (
        Source.objects.filter(enabled=True)
        .exclude(websub_hub="")
        .exclude(websub_topic="")
        .filter(Exists(followed))
        .filter(
            Q(websub_state=websub.NONE)
            | Q(websub_state=websub.VERIFIED, websub_expires_at__isnull=True)
            | Q(websub_state=websub.VERIFIED, websub_expires_at__lte=now + websub.RENEW_MARGIN)
            | Q(websub_state=websub.FAILED, websub_expires_at__lte=now)
        )
        .order_by("pk")
    )
    batch = list(candidates[: settings.CONFIG.WORKER_BATCH])
    return [s for s in batch if websub.decide(_subscription(s), now) is websub.Action.SUBSCRIBE]


def _unwanted(now: datetime) -> list[Source]:
    """Subscribed sources that no topic follows any more, or that were disabled."""
    followed = TopicSource.objects.filter(source=OuterRef("pk"))
    candidates = (
        Source.objects.filter(websub_state__in=(websub.REQUESTED, websub.VERIFIED))
        .exclude(websub_hub="")
        .exclude(websub_topic="")
        .filter(Q(enabled=False) | ~Exists(followed))
        .order_by("pk")
    )
    batch = list(candidates[: settings.CONFIG.WORKER_BATCH])
    return [
        s
        for s in batch
        if websub.decide(_subscription(s), now, wanted=False) is websub.Action.UNSUBSCRIBE
    ]


def _claim_stop(source: Source, now: datetime) -> Request | None:
    """Mark the source "unsubscribing" before asking the hub to stop (so its verification
    finds us expecting it, and pushes meanwhile get 410); only if its state is unchanged."""
    claimed = Source.objects.filter(
        pk=source.pk,
        websub_state=source.websub_state,
        websub_expires_at=source.websub_expires_at,
    ).update(websub_state=websub.UNSUBSCRIBING, websub_expires_at=now + websub.VERIFY_WINDOW)
    if not claimed:
        return None
    form = websub.subscription_form("unsubscribe", source.websub_topic, callback_url(source.pk))
    return Request(source.pk, source.websub_hub, form, source.websub_state, mode="unsubscribe")


def _forget_unsubscribed(now: datetime) -> None:
    """Unsubscriptions past their window: the secret goes, so any further push gets 410
    (which makes a hub that ignored our request drop us), and the source starts afresh."""
    Source.objects.filter(websub_state=websub.UNSUBSCRIBING).filter(
        Q(websub_expires_at__isnull=True) | Q(websub_expires_at__lte=now)
    ).update(websub_state=websub.NONE, websub_expires_at=None, websub_secret="")


def _subscription(source: Source) -> websub.Subscription:
    return websub.Subscription(
        source.websub_hub, source.websub_topic, source.websub_state, source.websub_expires_at
    )


def _give_up_unverified(now: datetime) -> None:
    """A hub that accepted a request but never verified it within the window is not
    going to: stop waiting (``decide`` says GIVE_UP for exactly these rows)."""
    Source.objects.filter(
        websub_state=websub.REQUESTED, websub_expires_at__lte=now
    ).update(websub_state=websub.FAILED, websub_expires_at=None)  # fmt: skip


def _claim(source: Source, now: datetime) -> Request | None:
    """Mark the source "requested" before asking, so that (a) a hub that verifies before
    answering our POST finds us expecting it, and (b) two workers do not both ask: the
    update only succeeds on the state this worker read."""
    secret = source.websub_secret or secrets.token_urlsafe(32)
    claimed = Source.objects.filter(
        pk=source.pk,
        websub_state=source.websub_state,
        websub_expires_at=source.websub_expires_at,
    ).update(
        websub_state=websub.REQUESTED,
        websub_expires_at=now + websub.VERIFY_WINDOW,
        websub_secret=secret,
    )
    if not claimed:
        return None
    form = websub.subscription_form(
        "subscribe", source.websub_topic, callback_url(source.pk), secret=secret
    )
    return Request(source.pk, source.websub_hub, form, source.websub_state)


async def _send(client: GuardedClient, request: Request) -> None:
    try:
        status = await post_form(client, request.hub, request.form)
    except FetchError as exc:
        request.error = exc.message
        return
    except Exception as exc:  # one broken hub must not stop the others or the worker
        log.exception("source=%s event=websub_crashed", request.source_id)
        request.error = f"internal error: {type(exc).__name__}"
        return
    # The spec says 202 Accepted; any 2xx is taken as acceptance.
    if not 200 <= status < 300:
        request.error = f"the hub answered {status}"


async def post_form(client: GuardedClient, url: str, form: Mapping[str, str]) -> int:
    """POST ``form`` to the hub under the guarded client's checks; return the status (a hub
    that redirects its endpoint gets its redirect status back, which counts as a failure)."""
    return (await client.post(url, form)).status


def _record_result(request: Request, now: datetime) -> None:
    if not request.error:
        log.info(
            "source=%s event=websub_requested mode=%s hub=%s",
            request.source_id,
            request.mode,
            request.hub,
        )
        return
    if request.mode == "unsubscribe":
        # Nothing to retry: the source stays "unsubscribing", so pushes get 410 until
        # the window ends and the secret is dropped.
        log.warning(
            "source=%s event=websub_unsubscribe_failed hub=%s error=%s",
            request.source_id,
            request.hub,
            request.error,
        )
        return
    log.warning(
        "source=%s event=websub_request_failed hub=%s error=%s",
        request.source_id,
        request.hub,
        request.error,
    )
    # Only if still ours: a hub that verified meanwhile (then failed the response) wins.
    Source.objects.filter(pk=request.source_id, websub_state=websub.REQUESTED).update(
        websub_state=websub.FAILED,
        websub_expires_at=websub.after_failure(request.previous_state, now),
    )


# --- the hub calling us back --------------------------------------------------------------


def verify_intent(source: Source, params: Mapping[str, str], now: datetime) -> str | None:
    """Answer a hub's verification GET: the text to reply with, or None for 404.

    We confirm only what we asked for: a subscription we requested (or hold) for the
    topic we stored; an unsubscription only when we no longer want the subscription.
    """
    mode = params.get("hub.mode", "")
    topic = params.get("hub.topic", "")
    if not source.websub_topic or topic != source.websub_topic:
        return None
    wanted = source.websub_state in (websub.REQUESTED, websub.VERIFIED)
    rows = Source.objects.filter(pk=source.pk)
    if mode == "denied":
        if not wanted:
            return None
        log.warning("source=%s event=websub_denied reason=%r", source.pk, params.get("hub.reason"))
        rows.update(websub_state=websub.DENIED, websub_expires_at=None)
        return ""
    challenge = params.get("hub.challenge", "")
    if not challenge:
        return None
    if mode == "subscribe" and wanted:
        expires = websub.lease_end(params.get("hub.lease_seconds"), now)
        rows.update(websub_state=websub.VERIFIED, websub_expires_at=expires)
        log.info("source=%s event=websub_verified expires=%s", source.pk, expires.isoformat())
        return challenge
    if mode == "unsubscribe" and not wanted:
        if source.websub_state == websub.UNSUBSCRIBING:
            rows.filter(websub_state=websub.UNSUBSCRIBING).update(
                websub_state=websub.NONE, websub_expires_at=None, websub_secret=""
            )
            log.info("source=%s event=websub_unsubscribed", source.pk)
        return challenge
    return None


def receive_push(
    source: Source, body: bytes, signature: str, content_type: str, now: datetime
) -> str:
    """Store pushed content if it is authentic; return what happened (for the log and the
    tests). Never raises for bad input: the hub only needs a 2xx either way."""
    if not websub.signature_valid(source.websub_secret, body, signature):
        log.warning("source=%s event=websub_bad_signature", source.pk)
        return "bad_signature"
    url = source.websub_topic or source.url
    try:
        read_feed(FetchResponse(url, 200, {"content-type": content_type}, body))
    except FeedParseError as exc:
        # Not the source's fault as polled: leave its error and schedule alone.
        log.warning("source=%s event=websub_unreadable error=%s", source.pk, exc)
        return "unreadable"
    response = FetchResponse(url, 200, {"content-type": content_type}, body)
    # Only stored: enrichment and suggestion are stages that find the new entries by their
    # own state, as they do after a poll.
    with transaction.atomic():
        new = _record_push(source, FetchOutcome(source.pk, response=response), now)
    log.info("source=%s event=websub_push new=%d", source.pk, len(new))
    return "stored"


def _record_push(source: Source, outcome: FetchOutcome, now: datetime) -> list[Entry]:
    """Store the pushed items; a push changes only the source's entry count and title."""
    new = record_outcome(source, outcome, now, pushed=True)  # counts the new entries too
    Source.objects.filter(pk=source.pk).update(
        **{name: getattr(source, name) for name in PUSH_STATE_FIELDS}
    )
    return new


def push_allowed(source: Source) -> bool:
    """Whether pushes for this source are welcome at all (else 410: the hub may drop us)."""
    return (
        source.enabled
        and bool(source.websub_secret)
        and source.websub_state != websub.UNSUBSCRIBING
    )
