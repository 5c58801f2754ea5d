"""WebSub publisher: feeds advertise the hub, and the worker pings it for new scoops."""

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import feedparser
import pytest

from florilege.curation.models import Scoop
from florilege.curation.services import publication
from florilege.publishing.cache import clear_all
from florilege.publishing.hub import MAX_ATTEMPTS, ping_cycle, retry_delay
from florilege.publishing.models import HubPing

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Hub:
    """A hub on loopback that records publish pings and answers ``status``."""

    def __init__(self) -> None:
        self.pings: list[dict[str, list[str]]] = []
        self.status = 204
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                hub.pings.append(parse_qs(self.rfile.read(length).decode()))
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def urls(self) -> set[str]:
        return {p["hub.url"][0] for p in self.pings if p.get("hub.mode") == ["publish"]}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub(settings):
    server = Hub()
    settings.WEBSUB_HUB = server.url
    clear_all()
    yield server
    server.stop()


def scoop(topic, curator, title="News", published_at=NOW, tags=("fediverse",)) -> Scoop:
    """A scoop published the way the curation services publish: saved, then announced."""
    item = Scoop.objects.create(
        topic=topic,
        curator=curator,
        url=f"https://n.example/{title}",
        canonical_url=f"https://n.example/{title}",
        title=title,
        insight="i",
        insight_html="<p>i</p>",
        tags=list(tags),
        published_at=published_at,
    )
    publication.on_published(item, NOW)
    return item


def test_feeds_advertise_the_hub_and_themselves(client, topic, hub) -> None:
    for kind in ("atom", "rss"):
        parsed = feedparser.parse(client.get(f"/t/{topic.slug}/feed.{kind}").content)
        links = {link.rel: link.href for link in parsed.feed.links}
        assert links["hub"] == hub.url
        assert links["self"] == f"http://127.0.0.1:8000/t/{topic.slug}/feed.{kind}"
    document = client.get(f"/t/{topic.slug}/feed.json").json()
    assert document["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_no_hub_no_link_and_no_pings(client, topic, curator, settings) -> None:
    settings.WEBSUB_HUB = ""
    assert b'rel="hub"' not in client.get(f"/t/{topic.slug}/feed.atom").content
    scoop(topic, curator)
    assert not HubPing.objects.exists()
    assert ping_cycle(NOW) == 0


def test_publishing_pings_each_feed_once_from_the_worker(topic, curator, hub) -> None:
    scoop(topic, curator, "One")
    scoop(topic, curator, "Two")
    assert hub.pings == []  # nothing is sent while saving: only rows were written
    assert ping_cycle(NOW) == 2
    base = "http://127.0.0.1:8000"
    assert f"{base}/t/social-networks/feed.atom" in hub.urls()
    assert f"{base}/t/social-networks/feed.json" in hub.urls()
    assert f"{base}/t/social-networks/tag/fediverse/feed.rss" in hub.urls()
    assert f"{base}/u/curator/feed.atom" in hub.urls()
    # The topic feed changed twice but is announced once.
    assert len(hub.pings) == len(hub.urls()) == 9
    assert ping_cycle(NOW) == 0  # idempotent: nothing owed any more
    assert len(hub.pings) == 9


def test_scheduled_scoop_is_announced_when_it_appears(topic, curator, hub) -> None:
    scoop(topic, curator, "Later", published_at=NOW + timedelta(hours=2))
    assert ping_cycle(NOW) == 0 and hub.pings == []
    assert ping_cycle(NOW + timedelta(hours=2, seconds=1)) == 1
    assert hub.urls()


def test_private_topic_is_never_announced(topic, curator, hub) -> None:
    topic.is_public = False
    topic.save()
    scoop(topic, curator)
    assert ping_cycle(NOW) == 0
    assert hub.pings == [] and HubPing.objects.get().sent_at == NOW


def test_failed_ping_is_retried_with_backoff(topic, curator, hub) -> None:
    hub.status = 500
    scoop(topic, curator)
    assert ping_cycle(NOW) == 0
    ping = HubPing.objects.get()
    assert ping.sent_at is None and ping.attempts == 1
    assert ping.last_error == "the hub answered 500"
    assert ping.due_at == NOW + retry_delay(1)
    hub.status = 202
    assert ping_cycle(NOW + timedelta(seconds=30)) == 0  # not due yet
    assert ping_cycle(NOW + retry_delay(1)) == 1
    assert HubPing.objects.get().sent_at is not None


def test_gives_up_after_max_attempts(topic, curator, hub) -> None:
    hub.status = 404
    scoop(topic, curator)
    when = NOW
    for _ in range(MAX_ATTEMPTS + 2):
        ping_cycle(when)
        when += timedelta(days=1)
    assert HubPing.objects.get().attempts == MAX_ATTEMPTS


def test_worker_cycle_sends_pings(topic, curator, hub) -> None:
    from florilege.jobs.worker import run_cycle

    scoop(topic, curator)
    run_cycle(NOW)
    assert hub.urls()


def test_a_scoop_saved_but_not_published_owes_the_hub_nothing(topic, curator, hub) -> None:
    Scoop.objects.create(
        topic=topic,
        curator=curator,
        url="https://n.example/draft",
        canonical_url="https://n.example/draft",
        title="Draft",
        insight="i",
        insight_html="<p>i</p>",
        status="awaiting",
        published_at=None,
    )
    assert not HubPing.objects.exists()
