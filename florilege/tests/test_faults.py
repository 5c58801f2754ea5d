"""Fault test: ``manage.py serve`` (granian and the worker, real processes) under a load of
feed fetches and a scheduled scoop, while PostgreSQL cuts every connection twice and the
worker is killed once. The run must converge with nothing lost and nothing doubled, and
the web tier must answer (no error) within 5 s of each cut.

PostgreSQL only: ``pg_terminate_backend`` is what a server restart does to the clients'
connections. On SQLite (a file, nothing to cut) the worker restart alone is checked.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from florilege.curation.models import Scoop, ScoopStatus
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Suggestion
from florilege.testing import LoopbackServer, Reply, ServeProcess
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.django_db(transaction=True)

FEEDS = 24
ITEMS = 3
# The whole run, serve's start included, must fit in this (a failure, not a hang).
DEADLINE = 55.0
# Answers to the web within this after the database is back.
WEB_BACK_SECONDS = 5.0
WORKER_ENV = {
    "FLORILEGE_WORKER_BATCH": "4",
    # A killed worker's leases (and those of a batch cut off by the database) are taken
    # again after this, rather than after the default 5 minutes.
    "FLORILEGE_WORKER_LEASE_SECONDS": "4",
    "FLORILEGE_FETCH_TIMEOUT": "10",
    # Only what the run exercises: fewer idle queries, a quicker cycle.
}


class Feeds:
    """Feeds on loopback, each answering after ``delay`` seconds; counts requests."""

    def __init__(self, server: LoopbackServer, delay: float) -> None:
        self.server = server
        self.delay = delay
        self.lock = threading.Lock()
        self.total: Counter[str] = Counter()

    def add(self, n: int) -> str:
        from florilege.sources.tests.feeds import rss

        path = f"/feed/{n}.xml"
        body = rss(
            [(f"f{n}-i{i}", f"Dispatch {i} from feed {n}", f"https://feed{n}.example/{i}")
             for i in range(ITEMS)],  # fmt: skip
            title=f"Feed {n}",
        )
        reply = Reply(200, body, {"Content-Type": "application/rss+xml"})

        def handle(_request: object) -> Reply:
            with self.lock:
                self.total[path] += 1
            time.sleep(self.delay)
            return reply

        self.server.routes[path] = handle
        return self.server.url(path)


def seed(feeds: Feeds, curator) -> tuple[Topic, Scoop]:
    topic = Topic.objects.create(title="Faults", slug="faults", languages=[], owner=curator)
    due = timezone.now() - timedelta(minutes=1)
    for n in range(FEEDS):
        source = Source.objects.create(url=feeds.add(n), next_fetch_at=due)
        TopicSource.objects.create(topic=topic, source=source)
    scoop = Scoop.objects.create(
        topic=topic, curator=curator, url="https://news.example/later",
        canonical_url="https://news.example/later", title="A scoop for later",
        insight="Why it matters.", insight_html="<p>Why it matters.</p>",
        status=ScoopStatus.SCHEDULED, published_at=timezone.now() + timedelta(seconds=12),
    )  # fmt: skip
    return topic, scoop


def terminate_backends() -> int:
    """Every other connection to the test database, cut as a server restart cuts them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def assert_web_answers(served: ServeProcess, path: str) -> None:
    """Within WEB_BACK_SECONDS every request answers, and none with an error: each web
    thread's connection that was cut is replaced before its next query."""
    started = time.monotonic()
    statuses = []
    for _ in range(12):  # more than the web threads: each meets its cut connection
        try:
            statuses.append(served.get(path, timeout=WEB_BACK_SECONDS).status_code)
        except httpx.HTTPError as exc:
            statuses.append(type(exc).__name__)
    assert statuses == [200] * 12, f"{statuses}\n{served.output()}"
    assert time.monotonic() - started < WEB_BACK_SECONDS * 2


def wait_for(condition: Callable[[], bool], what: str, served: ServeProcess, deadline: float):
    while not condition():
        assert served.proc.poll() is None, f"serve exited:\n{served.output()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{served.output()}"
        time.sleep(0.2)


def fetched() -> int:
    return Source.objects.exclude(last_fetched_at=None).count()


def converged(scoop: Scoop) -> bool:
    return (
        not Source.objects.filter(Q(last_fetched_at=None) | ~Q(leased_until=None)).exists()
        and Entry.objects.count() == FEEDS * ITEMS
        and Suggestion.objects.count() == FEEDS * ITEMS
        and Scoop.objects.filter(pk=scoop.pk, status=ScoopStatus.PUBLISHED).exists()
    )


def assert_nothing_lost_nor_doubled(scoop: Scoop, served: ServeProcess) -> None:
    assert set(Source.objects.values_list("entry_count", flat=True)) == {ITEMS}
    assert set(Source.objects.values_list("error_count", flat=True)) == {0}
    per_source = Entry.objects.values("source").annotate(n=Count("id"))
    assert sorted(row["n"] for row in per_source) == [ITEMS] * FEEDS
    assert Entry.objects.values("canonical_url").distinct().count() == FEEDS * ITEMS
    assert Suggestion.objects.values("entry").distinct().count() == FEEDS * ITEMS
    assert Scoop.objects.filter(status=ScoopStatus.PUBLISHED).count() == 1
    # The publication hook (feeds, pings, federation) ran once.
    assert served.output(None).count(f"event=scoop_published scoop={scoop.pk} ") == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="cuts PostgreSQL connections (pg_terminate_backend); SQLite has none to cut",
)
def test_serve_converges_through_two_connection_cuts_and_a_worker_restart(
    serve, loopback, curator
) -> None:
    deadline = time.monotonic() + DEADLINE
    feeds = Feeds(loopback, delay=0.3)
    topic, scoop = seed(feeds, curator)
    page = reverse("publishing:topic", args=[topic.slug])
    served = serve(**WORKER_ENV)
    served.wait_ready(page, timeout=DEADLINE)

    wait_for(lambda: fetched() >= 4, "a first batch", served, deadline)
    assert terminate_backends() >= 2  # the worker's and the web's connections at least
    assert_web_answers(served, page)

    wait_for(lambda: fetched() >= 8, "the worker to go on", served, deadline)
    (worker,) = served.worker_pids()
    os.kill(worker, signal.SIGKILL)
    wait_for(lambda: served.worker_pids() - {worker}, "a new worker", served, deadline)
    progress = fetched()
    wait_for(lambda: fetched() > progress, "the new worker to fetch", served, deadline)
    assert terminate_backends() >= 2
    assert_web_answers(served, page)

    wait_for(lambda: converged(scoop), "the run to converge", served, deadline)
    assert_nothing_lost_nor_doubled(scoop, served)
    # The worker said what happened, in its log (serve's output).
    log = served.output(None)
    assert "event=worker_exited code=-9" in log
    assert "event=database_connection_lost" in log
