"""WebSub subscriber: pure rules by table, then subscribe → verify → push against a fake hub.

The fake hub is a real HTTP server on loopback that records the subscription POST; the
test then plays the hub's part of the protocol by calling our callback with Django's test
client, exactly as the hub would over the network.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from florilege.jobs.worker import run_cycle
from florilege.sources import websub
from florilege.sources.models import Entry, Source
from florilege.sources.services.websub import callback_url, websub_cycle
from florilege.sources.tests.feeds import three_items
from florilege.suggestions.models import Suggestion
from florilege.topics.models import TopicSource

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOPIC_URL = "https://news.example/feed.xml"
SECRET = "a-shared-secret"


class FakeHub:
    """A hub endpoint on 127.0.0.1: records each POSTed form, answers ``status``."""

    def __init__(self, status: int = 202) -> None:
        self.status = status
        self.forms: list[dict[str, str]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                hub.forms.append(dict(parse_qsl(self.rfile.read(length).decode())))
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/hub"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def hub():
    server = FakeHub()
    yield server
    server.stop()


def add_source(topic, hub_url: str, **fields) -> Source:
    source = Source.objects.create(
        url=TOPIC_URL, websub_hub=hub_url, websub_topic=TOPIC_URL, **fields
    )
    TopicSource.objects.create(topic=topic, source=source)
    return source


def subscribed(topic, hub_url: str, days: int, **fields) -> Source:
    """A followed source whose subscription the hub verified, its lease ending in ``days``."""
    return add_source(
        topic,
        hub_url,
        websub_state="verified",
        websub_secret=SECRET,
        websub_expires_at=NOW + timedelta(days=days),
        **fields,
    )


def path_of(url: str) -> str:
    return urlsplit(url).path


def verify(client, source: Source, **params: str):
    query = {"hub.topic": source.websub_topic, "hub.challenge": "c-123", **params}
    return client.get(path_of(callback_url(source.pk)), query)


def push(client, source: Source, body: bytes, signature: str | None):
    headers = {"HTTP_X_HUB_SIGNATURE": signature} if signature is not None else {}
    return client.post(
        path_of(callback_url(source.pk)), body, content_type="application/rss+xml", **headers
    )


# --- pure rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_signature_accepts_every_spec_method(method: str) -> None:
    body = b"<rss/>"
    assert websub.signature_valid(SECRET, body, websub.sign(SECRET, body, method))
    assert websub.signature_valid(SECRET, body, websub.sign(SECRET, body, method).upper())


@pytest.mark.parametrize(
    "secret, header",
    [
        (SECRET, ""),  # missing
        (SECRET, websub.sign("another-secret", b"<rss/>")),  # wrong key
        (SECRET, websub.sign(SECRET, b"<rss>changed</rss>")),  # other body
        (SECRET, "md5=" + "0" * 32),  # method the spec does not allow
        (SECRET, "sha256="),  # no digest
        (SECRET, "sha256"),  # no '='
        (SECRET, "sha256=é" + "0" * 63),  # not ASCII: refused, not an error
        ("", websub.sign("", b"<rss/>")),  # we gave no secret: nothing is authentic
    ],
)
def test_signature_refuses(secret: str, header: str) -> None:
    assert not websub.signature_valid(secret, b"<rss/>", header)


def test_callback_token_is_per_source_and_per_key() -> None:
    token = websub.callback_token("k" * 40, 7)
    assert websub.token_valid("k" * 40, 7, token)
    assert not websub.token_valid("k" * 40, 8, token)
    assert not websub.token_valid("j" * 40, 7, token)
    assert len(token) == 32


def test_subscription_form() -> None:
    form = websub.subscription_form("subscribe", TOPIC_URL, "https://us/cb", secret="s")
    assert form == {
        "hub.mode": "subscribe",
        "hub.topic": TOPIC_URL,
        "hub.callback": "https://us/cb",
        "hub.secret": "s",
        "hub.lease_seconds": str(10 * 86400),
    }
    assert websub.subscription_form("unsubscribe", TOPIC_URL, "https://us/cb", secret="s") == {
        "hub.mode": "unsubscribe",
        "hub.topic": TOPIC_URL,
        "hub.callback": "https://us/cb",
    }
    with pytest.raises(ValueError):
        websub.subscription_form("publish", TOPIC_URL, "https://us/cb")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("86400", timedelta(days=1)),
        (None, websub.REQUESTED_LEASE),
        ("soon", websub.REQUESTED_LEASE),
        ("0", websub.MIN_LEASE),
        ("-5", websub.MIN_LEASE),
        (str(10 * 365 * 86400), websub.MAX_LEASE),
        ("9" * 40, websub.REQUESTED_LEASE),  # more days than timedelta holds: not a 500
    ],
)
def test_lease_end(raw: str | None, expected: timedelta) -> None:
    assert websub.lease_end(raw, NOW) == NOW + expected


S, N, G = websub.Action.SUBSCRIBE, websub.Action.NOTHING, websub.Action.GIVE_UP
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    "hub, state, expires_in, action",
    [
        ("https://hub.example/", "", None, S),  # never asked
        ("", "", None, N),  # no hub advertised
        ("https://hub.example/", "verified", 5 * 24 * HOUR, N),  # lease runs long
        ("https://hub.example/", "verified", 24 * HOUR + HOUR, N),  # just outside the margin
        ("https://hub.example/", "verified", 24 * HOUR, S),  # renew a day before the end
        ("https://hub.example/", "verified", -HOUR, S),  # lapsed: subscribe again
        ("https://hub.example/", "verified", None, S),  # unknown end: renew
        ("https://hub.example/", "requested", HOUR, N),  # waiting for the hub
        ("https://hub.example/", "requested", -HOUR, G),  # hub never verified
        ("https://hub.example/", "failed", HOUR, N),  # retry not yet due
        ("https://hub.example/", "failed", -HOUR, S),  # the one retry
        ("https://hub.example/", "failed", None, N),  # gave up
        ("https://hub.example/", "denied", None, N),  # hub said no
        ("https://hub.example/", "denied", -HOUR, N),
    ],
)
def test_decide(hub: str, state: str, expires_in: timedelta | None, action) -> None:
    expires = NOW + expires_in if expires_in is not None else None
    assert websub.decide(websub.Subscription(hub, TOPIC_URL, state, expires), NOW) is action


U, F = websub.Action.UNSUBSCRIBE, websub.Action.FORGET


@pytest.mark.parametrize(
    "hub, state, expires_in, action",
    [
        ("https://hub.example/", "verified", 5 * 24 * HOUR, U),  # pushes nobody wants
        ("https://hub.example/", "requested", HOUR, U),  # asked, now unwanted: stop
        ("https://hub.example/", "", None, N),  # never subscribed: nothing to stop
        ("https://hub.example/", "failed", -HOUR, N),  # no retry for nobody
        ("https://hub.example/", "denied", None, N),
        ("", "verified", HOUR, N),  # no hub to tell
        ("https://hub.example/", "stopping", HOUR, N),  # waiting for the hub
        ("https://hub.example/", "stopping", -HOUR, F),  # window over: drop the secret
    ],
)
def test_decide_when_nobody_wants_the_pushes(hub, state, expires_in, action) -> None:
    expires = NOW + expires_in if expires_in is not None else None
    sub = websub.Subscription(hub, TOPIC_URL, state, expires)
    assert websub.decide(sub, NOW, wanted=False) is action


def test_a_followed_source_being_unsubscribed_is_forgotten_then_subscribed_again() -> None:
    sub = websub.Subscription("https://hub.example/", TOPIC_URL, "stopping", NOW + HOUR)
    assert websub.decide(sub, NOW) is N
    assert websub.decide(sub, NOW + 2 * HOUR) is F
    assert websub.decide(websub.Subscription(sub.hub, TOPIC_URL, "", None), NOW) is S


def test_after_failure_retries_once() -> None:
    assert websub.after_failure("", NOW) == NOW + websub.RETRY_DELAY
    assert websub.after_failure("verified", NOW) == NOW + websub.RETRY_DELAY
    assert websub.after_failure("failed", NOW) is None


def test_push_active() -> None:
    assert websub.push_active("verified", NOW + HOUR, NOW)
    assert not websub.push_active("verified", NOW, NOW)  # lease over
    assert not websub.push_active("verified", None, NOW)
    assert not websub.push_active("requested", NOW + HOUR, NOW)


# --- the whole exchange ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("florilege.sources.tests.websub_urls")
class TestExchange:
    def test_subscribe_verify_push(self, hub: FakeHub, topic, client) -> None:
        source = add_source(topic, hub.url, etag='"v1"')
        now = timezone.now()
        assert websub_cycle(now) == 1
        [form] = hub.forms
        assert form["hub.mode"] == "subscribe" and form["hub.topic"] == TOPIC_URL
        assert form["hub.callback"] == callback_url(source.pk)
        assert form["hub.callback"].startswith(settings.CONFIG.BASE_URL + "/websub/")
        source.refresh_from_db()
        assert source.websub_state == "requested"
        assert form["hub.secret"] == source.websub_secret and len(source.websub_secret) >= 32
        assert websub_cycle(now) == 0  # waiting for the hub: no second request

        # The hub verifies our intent at the callback it was given.
        response = client.get(
            path_of(form["hub.callback"]),
            {
                "hub.mode": "subscribe",
                "hub.topic": TOPIC_URL,
                "hub.challenge": "c-123",
                "hub.lease_seconds": str(5 * 86400),
            },
        )
        assert response.status_code == 200
        assert response.content == b"c-123"
        assert response["Content-Type"].startswith("text/plain")
        source.refresh_from_db()
        assert source.websub_state == "verified" and source.websub_expires_at is not None
        assert timedelta(days=5) <= source.websub_expires_at - now < timedelta(days=5, hours=1)

        # Then pushes new content, signed with our secret.
        body = three_items()
        response = push(client, source, body, websub.sign(form["hub.secret"], body, "sha1"))
        assert response.status_code == 200
        assert Entry.objects.filter(source=source).count() == 3
        # A push only stores: the suggestion stage finds the entries by their own state.
        assert not Suggestion.objects.exists()
        assert run_cycle(now, stages=["enrich", "suggest"])["suggest"] == 3
        assert Suggestion.objects.filter(topic=topic).count() == 3
        source.refresh_from_db()
        assert source.title == "Test feed" and source.entry_count == 3
        # The pushed document had no <link rel="hub">: the subscription is kept, and the
        # polled URL's validator is not replaced by nothing.
        assert (source.websub_hub, source.websub_topic) == (hub.url, TOPIC_URL)
        assert source.websub_state == "verified"
        assert source.etag == '"v1"'

        # The same push again (hubs retry) doubles nothing.
        push(client, source, body, websub.sign(form["hub.secret"], body))
        assert Entry.objects.filter(source=source).count() == 3
        assert run_cycle(now, stages=["enrich", "suggest"])["suggest"] == 0
        assert Suggestion.objects.filter(topic=topic).count() == 3

    def test_wrong_topic_is_not_verified(self, topic, client) -> None:
        source = add_source(topic, "https://hub.example/", websub_state="requested")
        response = verify(
            client, source, **{"hub.mode": "subscribe", "hub.topic": "https://evil.example/feed"}
        )
        assert response.status_code == 404
        source.refresh_from_db()
        assert source.websub_state == "requested"

    def test_unrequested_subscription_is_not_verified(self, topic, client) -> None:
        for state in ("", "denied", "failed"):
            source = add_source(topic, "https://hub.example/", websub_state=state)
            assert verify(client, source, **{"hub.mode": "subscribe"}).status_code == 404
            source.delete()

    def test_missing_challenge_is_not_verified(self, topic, client) -> None:
        source = add_source(topic, "https://hub.example/", websub_state="requested")
        response = verify(client, source, **{"hub.mode": "subscribe", "hub.challenge": ""})
        assert response.status_code == 404

    def test_unsubscribe_confirmed_only_when_unwanted(self, topic, client) -> None:
        source = add_source(topic, "https://hub.example/", websub_state="verified")
        assert verify(client, source, **{"hub.mode": "unsubscribe"}).status_code == 404
        Source.objects.filter(pk=source.pk).update(websub_state="")
        response = verify(client, source, **{"hub.mode": "unsubscribe"})
        assert (response.status_code, response.content) == (200, b"c-123")

    def test_hub_denial(self, topic, client, hub: FakeHub) -> None:
        source = add_source(
            topic, hub.url, websub_state="requested", websub_expires_at=NOW + timedelta(hours=1)
        )
        response = verify(client, source, **{"hub.mode": "denied", "hub.reason": "no"})
        assert response.status_code == 200
        source.refresh_from_db()
        assert source.websub_state == "denied"
        assert websub_cycle(NOW + timedelta(days=30)) == 0  # never asked again
        assert hub.forms == []

    def test_bad_or_missing_signature_is_ignored(self, topic, client) -> None:
        source = add_source(
            topic, "https://hub.example/", websub_state="verified", websub_secret=SECRET
        )
        body = three_items()
        for signature in (None, websub.sign("not-our-secret", body), "sha256=zz"):
            response = push(client, source, body, signature)
            assert response.status_code == 202  # 2xx as the spec asks, content dropped
        assert not Entry.objects.exists() and not Suggestion.objects.exists()
        source.refresh_from_db()
        assert source.last_fetched_at is None and source.error_count == 0

    def test_unreadable_push_leaves_source_alone(self, topic, client) -> None:
        source = add_source(
            topic, "https://hub.example/", websub_state="verified", websub_secret=SECRET
        )
        body = b"this is not a feed"
        assert push(client, source, body, websub.sign(SECRET, body)).status_code == 202
        source.refresh_from_db()
        assert (source.error_count, source.last_error) == (0, "")

    def test_oversize_push_is_refused(self, topic, client, settings) -> None:
        settings.CONFIG = replace(settings.CONFIG, FETCH_MAX_BYTES=100)
        source = add_source(
            topic, "https://hub.example/", websub_state="verified", websub_secret=SECRET
        )
        body = three_items()
        assert len(body) > 100
        assert push(client, source, body, websub.sign(SECRET, body)).status_code == 413
        assert not Entry.objects.exists()

    def test_push_without_subscription_is_gone(self, topic, client) -> None:
        source = add_source(topic, "https://hub.example/")  # no secret: never subscribed
        body = three_items()
        assert push(client, source, body, websub.sign("", body)).status_code == 410
        assert not Entry.objects.exists()

    def test_unknown_source_or_token(self, topic, client) -> None:
        source = add_source(
            topic, "https://hub.example/", websub_state="requested", websub_secret=SECRET
        )
        good = path_of(callback_url(source.pk))
        bad_token = good.replace(good.split("/")[-2], "0" * 32)
        other_source = good.replace(f"/{source.pk}/", f"/{source.pk + 1}/")
        query = {"hub.mode": "subscribe", "hub.topic": TOPIC_URL, "hub.challenge": "x"}
        assert client.get(bad_token, query).status_code == 404
        assert client.get(other_source, query).status_code == 404
        assert client.post(bad_token, b"<rss/>", content_type="text/xml").status_code == 404
        gone = path_of(callback_url(source.pk + 1000))  # valid token, no such source
        assert client.get(gone, query).status_code == 404
        assert client.put(good).status_code == 405
        source.refresh_from_db()
        assert source.websub_state == "requested"

    def test_failures_retry_once_then_give_up(self, topic, hub: FakeHub) -> None:
        hub.status = 500
        source = add_source(topic, hub.url)
        assert websub_cycle(NOW) == 1
        source.refresh_from_db()
        assert (source.websub_state, source.websub_expires_at) == (
            "failed",
            NOW + websub.RETRY_DELAY,
        )
        assert websub_cycle(NOW + timedelta(hours=1)) == 0  # retry not due yet
        later = NOW + websub.RETRY_DELAY
        assert websub_cycle(later) == 1
        source.refresh_from_db()
        assert (source.websub_state, source.websub_expires_at) == ("failed", None)
        assert websub_cycle(later + timedelta(days=30)) == 0
        assert len(hub.forms) == 2
        # The same secret both times, so a late verification still matches.
        assert hub.forms[0]["hub.secret"] == hub.forms[1]["hub.secret"]

    def test_hub_that_never_verifies_is_given_up(self, topic, hub: FakeHub) -> None:
        source = add_source(topic, hub.url)
        assert websub_cycle(NOW) == 1
        assert websub_cycle(NOW + websub.VERIFY_WINDOW) == 0
        source.refresh_from_db()
        assert (source.websub_state, source.websub_expires_at) == ("failed", None)

    def test_lease_renewal(self, topic, hub: FakeHub) -> None:
        source = subscribed(topic, hub.url, days=3)
        assert websub_cycle(NOW) == 0
        assert websub_cycle(NOW + timedelta(days=2)) == 1
        assert hub.forms[0]["hub.secret"] == SECRET
        source.refresh_from_db()
        assert source.websub_state == "requested"

    def test_private_hub_address_is_refused(self, topic, hub: FakeHub) -> None:
        source = add_source(topic, "http://169.254.169.254/hub")
        assert websub_cycle(NOW) == 1
        source.refresh_from_db()
        assert source.websub_state == "failed"

    def test_only_followed_enabled_sources_subscribe(self, topic, hub: FakeHub) -> None:
        Source.objects.create(
            url="https://a.example/feed", websub_hub=hub.url, websub_topic="https://a.example/feed"
        )
        add_source(topic, hub.url, enabled=False)
        assert websub_cycle(NOW) == 0
        assert hub.forms == []

    def test_unfollowed_source_is_unsubscribed(self, topic, hub: FakeHub, client) -> None:
        source = subscribed(topic, hub.url, days=5)
        assert websub_cycle(NOW) == 0  # followed, lease running: nothing to do
        TopicSource.objects.filter(source=source).delete()
        assert websub_cycle(NOW) == 1
        [form] = hub.forms
        assert form == {
            "hub.mode": "unsubscribe",
            "hub.topic": TOPIC_URL,
            "hub.callback": callback_url(source.pk),
        }
        source.refresh_from_db()
        assert source.websub_state == "stopping"
        assert websub_cycle(NOW) == 0  # asked once
        # Meanwhile, pushes are refused with 410, which also tells the hub to drop us.
        body = three_items()
        assert push(client, source, body, websub.sign(SECRET, body)).status_code == 410
        assert not Entry.objects.filter(source=source).exists()
        # The hub verifies our intent; a subscribe verification now would be refused.
        assert verify(client, source, **{"hub.mode": "subscribe"}).status_code == 404
        response = verify(client, source, **{"hub.mode": "unsubscribe"})
        assert (response.status_code, response.content) == (200, b"c-123")
        source.refresh_from_db()
        assert (source.websub_state, source.websub_secret) == ("", "")
        assert websub_cycle(NOW + timedelta(days=3)) == 0  # and nothing is asked again

    def test_disabled_source_is_unsubscribed_and_forgotten(self, topic, hub: FakeHub) -> None:
        source = subscribed(topic, hub.url, days=5, enabled=False)
        hub.status = 500  # the hub fails the request: the window runs out all the same
        assert websub_cycle(NOW) == 1
        assert [f["hub.mode"] for f in hub.forms] == ["unsubscribe"]
        source.refresh_from_db()
        assert source.websub_state == "stopping" and source.websub_secret == SECRET
        websub_cycle(NOW + websub.VERIFY_WINDOW + timedelta(minutes=1))
        source.refresh_from_db()
        assert (source.websub_state, source.websub_secret) == ("", "")
        # Followed and enabled again: a fresh subscription, with a new secret.
        Source.objects.filter(pk=source.pk).update(enabled=True)
        hub.status = 202
        assert websub_cycle(NOW + timedelta(days=2)) == 1
        assert hub.forms[-1]["hub.mode"] == "subscribe"
        assert hub.forms[-1]["hub.secret"] not in ("", SECRET)

    def test_a_push_stored_during_a_fetch_keeps_its_count(self, topic, client) -> None:
        from florilege.lib.http import FetchResponse
        from florilege.sources.services.fetch import (
            FetchOutcome,
            record_outcome,
            save_fetch_state,
        )
        from florilege.sources.tests.feeds import rss

        source = add_source(
            topic, "https://hub.example/", websub_state="verified", websub_secret=SECRET
        )
        leased = Source.objects.get(pk=source.pk)  # the worker's copy, read when it leased
        body = three_items()
        assert push(client, source, body, websub.sign(SECRET, body)).status_code == 200
        # The worker then records its own fetch, which lists two more items.
        polled = rss(
            [("b-1", "One", "https://news.example/1"), ("b-2", "Two", "https://news.example/2")]
        )
        response = FetchResponse(TOPIC_URL, 200, {"content-type": "application/rss+xml"}, polled)
        assert len(record_outcome(leased, FetchOutcome(leased.pk, response=response), NOW)) == 2
        save_fetch_state(leased)
        source.refresh_from_db()
        assert source.entry_count == Entry.objects.filter(source=source).count() == 5
