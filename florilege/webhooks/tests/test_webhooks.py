"""Webhooks out: events become signed deliveries, sent by the worker with retries.

Signatures are checked with ``standardwebhooks``, the Standard Webhooks reference library
(PyPI), not with our own code; the receiver is a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from florilege.curation.models import AuditEvent, Scoop
from florilege.curation.services import publication
from florilege.publishing.models import Comment
from florilege.topics.models import Membership, Role
from florilege.webhooks import services
from florilege.webhooks.delivery import MAX_ATTEMPTS, delivery_cycle, retry_delay
from florilege.webhooks.models import Delivery, Webhook
from florilege.webhooks.signing import new_secret

pytestmark = pytest.mark.django_db


class Receiver:
    """An endpoint on loopback that records each POST and answers ``status``."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.calls.append((headers, self.rfile.read(length)))
                answer = b'{"ok": false, "why": "busy"}' if receiver.status >= 300 else b"ok"
                self.send_response(receiver.status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def _scoop(topic, curator, title="News") -> Scoop:
    return Scoop.objects.create(
        topic=topic, curator=curator, url=f"https://n.example/{title}",
        canonical_url=f"https://n.example/{title}", title=title, insight="Why it *matters*",
        insight_html="<p>Why it <em>matters</em></p>", tags=["fediverse"],
    )  # fmt: skip


def test_published_scoop_is_delivered_signed_per_the_standard(topic, curator, receiver) -> None:
    now = timezone.now()  # the reference library refuses timestamps five minutes off
    hook = services.add(topic, curator, receiver.url, "standard", ["scoop.published"], now)
    assert hook.secret.startswith("whsec_")
    scoop = _scoop(topic, curator)
    publication.on_published(scoop, now)
    assert delivery_cycle(now) == 1
    [(headers, body)] = receiver.calls
    payload = Verifier(hook.secret).verify(body, headers)
    assert payload["type"] == "scoop.published"
    assert payload["data"]["title"] == "News"
    assert payload["data"]["insight"] == "Why it *matters*"
    assert payload["data"]["permalink"].endswith(scoop.get_absolute_url())
    # The signature covers the body: one byte changed and the library refuses it.
    with pytest.raises(WebhookVerificationError):
        Verifier(hook.secret).verify(body.replace(b"News", b"Nope"), headers)
    with pytest.raises(WebhookVerificationError):
        Verifier(new_secret()).verify(body, headers)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_status, delivery.last_response) == ("sent", 200, "ok")
    assert delivery_cycle(now + timedelta(hours=1)) == 0  # sent once
    delivery_cycle(now + timedelta(days=31))  # the log forgets finished rows after 30 days
    assert not Delivery.objects.exists()


def test_only_subscribed_events_and_enabled_hooks(topic, curator, receiver) -> None:
    now = timezone.now()
    services.add(topic, curator, receiver.url, "standard", ["scoop.unpublished"], now)
    paused = services.add(topic, curator, receiver.url, "standard", ["scoop.published"], now)
    services.set_enabled(topic, curator, paused.pk, False)
    scoop = _scoop(topic, curator)
    publication.on_published(scoop, now)
    assert not Delivery.objects.exists()
    publication.on_unpublished(scoop, now)
    publication.scoop_edited.send(sender=Scoop, scoop=scoop, now=now)
    assert list(Delivery.objects.values_list("event", flat=True)) == ["scoop.unpublished"]


def test_comment_created_is_announced(topic, curator, receiver) -> None:
    now = timezone.now()
    hook = services.add(topic, curator, receiver.url, "standard", ["comment.created"], now)
    scoop = _scoop(topic, curator)
    Comment.objects.create(scoop=scoop, author_name="Ada", body="Good one", body_html="<p>x</p>")
    delivery_cycle(timezone.now())
    [(headers, body)] = receiver.calls
    data = Verifier(hook.secret).verify(body, headers)["data"]
    assert (data["author_name"], data["body"], data["scoop"]["id"]) == ("Ada", "Good one", scoop.pk)


def test_failures_are_retried_with_backoff_then_given_up(topic, curator, receiver) -> None:
    now = timezone.now()
    services.add(topic, curator, receiver.url, "slack", ["scoop.published"], now)
    publication.on_published(_scoop(topic, curator), now)
    receiver.status = 503
    delivery_cycle(now)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status == 503 and "busy" in delivery.last_response
    assert delivery.next_attempt_at == now + retry_delay(1)
    assert retry_delay(2) == 2 * retry_delay(1)
    assert delivery_cycle(now + retry_delay(1) - timedelta(seconds=1)) == 0  # not due yet
    moment = now
    for attempt in range(2, MAX_ATTEMPTS + 1):
        moment += retry_delay(attempt - 1)
        assert delivery_cycle(moment) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    # Every attempt carried the same message id, so a receiver can drop duplicates.
    assert len({h["webhook-id"] for h, _ in receiver.calls}) == 1


def test_slack_and_teams_presets(topic, curator, receiver) -> None:
    now = timezone.now()
    services.add(topic, curator, receiver.url, "slack", ["scoop.published"], now)
    services.add(topic, curator, receiver.url, "teams", ["scoop.published"], now)
    publication.on_published(_scoop(topic, curator, "A<b>&c"), now)
    delivery_cycle(now)
    bodies = sorted((json.loads(b) for _, b in receiver.calls), key=lambda b: "text" in b)
    teams, slack = bodies
    assert slack["text"] == "A<b>&c"
    assert slack["blocks"][0]["text"]["type"] == "mrkdwn"
    assert "A&lt;b&gt;&amp;c" in slack["blocks"][0]["text"]["text"]
    [attachment] = teams["attachments"]
    assert teams["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard"
    assert attachment["content"]["body"][0]["text"] == "A<b>&c"


def test_private_addresses_are_refused(topic, curator, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, ALLOW_NETWORKS=())
    now = timezone.now()
    for url in (
        "http://127.0.0.1:9/hook",
        "http://10.0.0.1/x",
        "http://[::1]/x",
        "ftp://a.example/",
    ):
        with pytest.raises(ValidationError):
            services.add(topic, curator, url, "standard", ["scoop.published"], now)
    assert not Webhook.objects.exists()


def test_address_that_became_private_fails_the_delivery(topic, curator, settings) -> None:
    now = timezone.now()
    hook = Webhook.objects.create(topic=topic, url="http://127.0.0.1:9/x", secret=new_secret(),
                                  events=["scoop.published"])  # fmt: skip
    settings.CONFIG = replace(settings.CONFIG, ALLOW_NETWORKS=())
    services.send_test(topic, curator, hook.pk, now)
    delivery_cycle(now)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.last_status is None and delivery.last_error


def test_only_owners_manage_webhooks(topic, curator, django_user_model) -> None:
    editor = django_user_model.objects.create_user("ed", password="a-long-test-password")
    Membership.objects.create(topic=topic, user=editor, role=Role.EDITOR)
    with pytest.raises(PermissionDenied):
        services.add(topic, editor, "https://hooks.example/", "standard", ["scoop.published"],
                     timezone.now())  # fmt: skip


def test_page_adds_tests_and_logs(client_in, topic, receiver) -> None:
    url = reverse("webhooks:manage", args=[topic.slug])
    response = client_in.post(url, {"url": receiver.url, "preset": "teams",
                                    "events": ["scoop.published", "comment.created"]})  # fmt: skip
    assert response.status_code == 302
    hook = Webhook.objects.get()
    assert hook.events == ["scoop.published", "comment.created"]
    act = reverse("webhooks:act", args=[topic.slug, hook.pk])
    assert client_in.post(act, {"action": "test"}).status_code == 302
    delivery_cycle(timezone.now())
    page = client_in.get(url).content.decode()
    assert "webhook.test" in page and "HTTP 200" in page and hook.secret in page
    assert client_in.post(url, {"url": receiver.url, "preset": "x"}).status_code == 400
    assert client_in.post(act, {"action": "remove"}).status_code == 302
    assert not Webhook.objects.exists()
    logged = AuditEvent.objects.filter(topic=topic).values_list("action", flat=True)
    assert sorted(logged) == ["webhook_added", "webhook_removed"]
    other = reverse("webhooks:act", args=[topic.slug, 999999])
    assert client_in.post(other, {"action": "test"}).status_code == 302  # said, not a 500


def test_page_queries_do_not_grow_with_the_log(
    client_in, topic, curator, django_assert_num_queries
) -> None:
    now = timezone.now()

    def add_some(n: int) -> None:
        for i in range(n):
            hook = Webhook.objects.create(
                topic=topic, url=f"https://h{i}.example/", events=["scoop.published"],
                secret=new_secret(),
            )  # fmt: skip
            services.send_test(topic, curator, hook.pk, now)

    url = reverse("webhooks:manage", args=[topic.slug])
    add_some(1)
    client_in.get(url)  # sessions and caches warm
    with django_assert_num_queries(QUERIES):
        assert client_in.get(url).status_code == 200
    add_some(5)
    with django_assert_num_queries(QUERIES):
        assert client_in.get(url).content.decode().count("webhook.test") == 6


# Session, user, topic, membership (the nav), the webhooks, the log with its webhooks.
QUERIES = 6
