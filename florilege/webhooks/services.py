"""A topic's webhooks as its owners manage them: add, remove, pause, send a test.

Only those who may change the topic's settings manage its webhooks (a webhook sends the
topic's activity elsewhere, and its secret signs in the topic's name)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from florilege.curation.services import audit
from florilege.lib.fetching import policy_from_settings
from florilege.lib.http import FetchError, GuardedClient
from florilege.lib.urls import is_http_url
from florilege.topics.models import Topic
from florilege.topics.permissions import Action, require
from florilege.webhooks import events as webhook_events
from florilege.webhooks import signing
from florilege.webhooks.models import Delivery, Event, Preset, Webhook

MAX_PER_TOPIC = 10
LOG_LENGTH = 20


def check_address(url: str) -> None:
    """Refuse what the guarded client would refuse (loopback, private networks, odd ports
    and schemes), now, rather than at the first delivery."""
    if not is_http_url(url) or len(url) > 2000:
        raise ValidationError(_("Give a web address starting with http:// or https://."))

    async def check() -> None:
        async with GuardedClient(policy_from_settings()) as client:
            await client.check_url(url)

    try:
        asyncio.run(check())
    except FetchError as exc:
        raise ValidationError(
            _("This address cannot receive webhooks: %(reason)s") % {"reason": exc.message}
        ) from exc


def webhooks_of(topic: Topic, user) -> QuerySet[Webhook]:
    require(user, topic, Action.MANAGE_TOPIC)
    return Webhook.objects.filter(topic=topic)


def add(topic: Topic, user, url: str, preset: str, events: Iterable[str], now: datetime) -> Webhook:
    require(user, topic, Action.MANAGE_TOPIC)
    chosen = [e for e in Event.values if e in set(events)]
    if not chosen:
        raise ValidationError(_("Choose at least one event to send."))
    if preset not in Preset.values:
        raise ValidationError(_("Unknown message format."))
    if Webhook.objects.filter(topic=topic).count() >= MAX_PER_TOPIC:
        raise ValidationError(
            _("A topic has at most %(n)s webhooks; remove one first.") % {"n": MAX_PER_TOPIC}
        )
    url = url.strip()
    check_address(url)
    with transaction.atomic():
        hook = Webhook.objects.create(topic=topic, url=url, preset=preset, events=chosen,
                                      secret=signing.new_secret(), created_at=now,
                                      created_by=user)  # fmt: skip
        # A webhook sends the topic's activity elsewhere: who pointed it where is kept.
        audit.record(topic, user, "webhook_added", now, hook, url=url, events=chosen)
    return hook


def _hook(topic: Topic, user, webhook_id: int) -> Webhook:
    require(user, topic, Action.MANAGE_TOPIC)
    hook = Webhook.objects.filter(topic=topic, pk=webhook_id).first()
    if hook is None:
        raise ValidationError(_("This webhook no longer exists."))
    return hook


def remove(topic: Topic, user, webhook_id: int, now: datetime) -> None:
    hook = _hook(topic, user, webhook_id)
    with transaction.atomic():
        audit.record(topic, user, "webhook_removed", now, hook, url=hook.url)
        hook.delete()


def set_enabled(topic: Topic, user, webhook_id: int, enabled: bool) -> None:
    hook = _hook(topic, user, webhook_id)
    Webhook.objects.filter(pk=hook.pk).update(enabled=enabled)


def send_test(topic: Topic, user, webhook_id: int, now: datetime) -> Delivery:
    """Queue a test delivery (the worker sends it within seconds; the log shows the
    answer): the request does not wait on the receiver."""
    hook = _hook(topic, user, webhook_id)
    return webhook_events.enqueue(hook, webhook_events.sample_event(topic, now), now)


def recent_deliveries(topic: Topic, user) -> QuerySet[Delivery]:
    require(user, topic, Action.MANAGE_TOPIC)
    return Delivery.objects.filter(webhook__topic=topic).select_related("webhook")[:LOG_LENGTH]
