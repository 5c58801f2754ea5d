"""Fault test: ``manage.py serve`` (granian and the worker, real processes) under a load of
feed fetches and a scheduled scoop, while PostgreSQL cuts every connection twice and the
worker is killed once. The run must converge with nothing lost and nothing doubled, and
the web tier must answer (no error) within 5 s of each cut.

PostgreSQL only: ``pg_terminate_backend`` is what a server restart does to the clients'
connections. On SQLite (a file, nothing to cut) the worker restart alone is checked.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from florilege.curation.models import Scoop, ScoopStatus
from florilege.jobs.models import WorkerBeat
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Suggestion
from florilege.testing import LoopbackServer, Reply, ServeProcess
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.django_db(transaction=True)

FEEDS = 24
ITEMS = 3
# A failure rather than a hang: the whole run, serve's start included, takes 35-50 s on a
# busy 2-core machine (most of it starting Django processes and the sentence encoder).
DEADLINE = 90.0
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
            [
                (f"f{n}-i{i}", f"Dispatch {i} from feed {n}", f"https://feed{n}.example/{i}")
                for i in range(ITEMS)
            ],
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


def seed(urls: list[str], curator) -> tuple[Topic, Scoop]:
    topic = Topic.objects.create(title="Faults", slug="faults", languages=[], owner=curator)
    due = timezone.now() - timedelta(minutes=1)
    for url in urls:
        source = Source.objects.create(url=url, next_fetch_at=due)
        TopicSource.objects.create(topic=topic, source=source)
    scoop = Scoop.objects.create(
        topic=topic, curator=curator, url="https://news.example/later",
        canonical_url="https://news.example/later", title="A scoop for later",
        insight="Why it matters.", insight_html="<p>Why it matters.</p>",
        status=ScoopStatus.SCHEDULED, published_at=timezone.now() + timedelta(seconds=12),
    )  # fmt: skip
    return topic, scoop


def seed_in_child() -> None:
    """``seed`` in a ``manage.py shell`` of serve's own database (SQLite: a file the test's
    in-memory database is not)."""
    from django.contrib.auth.models import User

    curator = User.objects.create_user("curator", password="a-long-test-password")
    seed(os.environ["FAULT_FEEDS"].split(","), curator)


def counts() -> dict[str, object]:
    """What the run stored, as numbers to compare: the same in this process or a child."""
    per_source = Entry.objects.values("source").annotate(n=Count("id"))
    published = Scoop.objects.filter(status=ScoopStatus.PUBLISHED)
    return {
        "pending": Source.objects.filter(Q(last_fetched_at=None) | ~Q(leased_until=None)).count(),
        "fetched": Source.objects.exclude(last_fetched_at=None).count(),
        "entries": Entry.objects.count(),
        "stories": Entry.objects.values("canonical_url").distinct().count(),
        "per_source": sorted(row["n"] for row in per_source),
        "entry_counts": sorted(set(Source.objects.values_list("entry_count", flat=True))),
        "error_counts": sorted(set(Source.objects.values_list("error_count", flat=True))),
        "suggestions": Suggestion.objects.count(),
        "suggested_entries": Suggestion.objects.values("entry").distinct().count(),
        "published": list(published.values_list("pk", flat=True)),
    }


def print_counts() -> None:
    print("COUNTS " + json.dumps(counts()))


def converged(found: dict) -> bool:
    return (
        found["pending"] == 0
        and found["entries"] == FEEDS * ITEMS
        and found["suggestions"] == FEEDS * ITEMS
        and len(found["published"]) >= 1
    )


def assert_nothing_lost_nor_doubled(found: dict, log: str) -> None:
    assert found["entry_counts"] == [ITEMS] and found["error_counts"] == [0], found
    assert found["per_source"] == [ITEMS] * FEEDS, found
    assert found["stories"] == FEEDS * ITEMS, found
    assert found["suggested_entries"] == FEEDS * ITEMS, found
    assert len(found["published"]) == 1, found
    # The publication hook (feeds, pings, federation) ran once.
    (scoop,) = found["published"]
    assert log.count(f"event=scoop_published scoop={scoop} ") == 1


def other_backends() -> int:
    """Connections to the test database other than this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


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


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="cuts PostgreSQL connections (pg_terminate_backend); SQLite has none to cut",
)
@pytest.mark.skipif(
    bool(connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")),
    # The pooler holds the server connections and replaces a cut one itself; CI runs this
    # file on a direct connection too (.ci/run).
    reason="cuts the clients' own server connections: direct PostgreSQL connections only",
)
def test_serve_converges_through_two_connection_cuts_and_a_worker_restart(
    serve, loopback, curator
) -> None:
    deadline = time.monotonic() + DEADLINE
    feeds = Feeds(loopback, delay=0.3)
    topic, _scoop = seed([feeds.add(n) for n in range(FEEDS)], curator)
    page = reverse("publishing:topic", args=[topic.slug])
    served = serve(**WORKER_ENV)
    served.wait_ready(page, timeout=DEADLINE)

    wait_for(lambda: fetched() >= 4, "a first batch", served, deadline)
    assert terminate_backends() >= 2  # the worker's and the web's connections at least
    assert_web_answers(served, page)

    wait_for(lambda: fetched() >= 8, "the worker to go on", served, deadline)
    assert fetched() < FEEDS  # killed mid-run
    (worker,) = served.worker_pids()
    os.kill(worker, signal.SIGKILL)
    wait_for(lambda: served.worker_pids() - {worker}, "a new worker", served, deadline)
    (new,) = served.worker_pids()
    cycled = WorkerBeat.objects.filter(owner__endswith=f":{new}").exclude(last_cycle_at=None)
    wait_for(cycled.exists, "the new worker's first cycle", served, deadline)
    # The web holds a connection only once a request has used one since the last cut: ask
    # for a page, then cut when both the web's and the worker's connections are open.
    served.get(page)
    wait_for(lambda: other_backends() >= 2, "the web's and the worker's connections", served,
             deadline)  # fmt: skip
    assert terminate_backends() >= 2
    assert_web_answers(served, page)

    wait_for(lambda: converged(counts()), "the run to converge", served, deadline)
    log = served.output(None)
    assert_nothing_lost_nor_doubled(counts(), log)
    # The worker said what happened, in its log (serve's output).
    assert "event=worker_exited code=-9" in log
    assert "event=database_connection_lost" in log


def in_child(env: dict[str, str], code: str) -> str:
    """``code`` in a ``manage.py shell`` on serve's database; what it printed."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def sqlite_converged(database: Path) -> bool:
    """``converged``, read straight from serve's SQLite file: a Django process per look
    would take seconds."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        pending, entries, suggestions, published = db.execute(
            "SELECT (SELECT count(*) FROM sources_source"
            "        WHERE last_fetched_at IS NULL OR leased_until IS NOT NULL),"
            " (SELECT count(*) FROM sources_entry), (SELECT count(*) FROM suggestions_suggestion),"
            " (SELECT count(*) FROM curation_scoop WHERE status = 'published')"
        ).fetchone()
    found = {"pending": pending, "entries": entries, "suggestions": suggestions}
    return converged(found | {"published": [None] * published})


def child_counts(env: dict[str, str]) -> dict:
    out = in_child(env, "from florilege.tests.test_faults import print_counts; print_counts()")
    return json.loads(out.split("COUNTS ", 1)[1])


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="the SQLite variant (PostgreSQL runs the full one)"
)
def test_serve_on_sqlite_converges_through_a_worker_restart(serve, loopback) -> None:
    deadline = time.monotonic() + DEADLINE
    feeds = Feeds(loopback, delay=0.3)
    urls = [feeds.add(n) for n in range(FEEDS)]
    env: dict[str, str] = {}

    def prepare(serve_env: dict[str, str]) -> None:
        env.update(serve_env, FAULT_FEEDS=",".join(urls))
        in_child(env, "from florilege.tests.test_faults import seed_in_child; seed_in_child()")

    served = serve(prepare=prepare, **WORKER_ENV)
    served.wait_ready("/t/faults/", timeout=DEADLINE)
    requested = lambda: len(feeds.total)  # noqa: E731 - feeds asked for at least once
    wait_for(lambda: requested() >= 8, "the worker to fetch", served, deadline)
    (worker,) = served.worker_pids()
    os.kill(worker, signal.SIGKILL)
    wait_for(lambda: served.worker_pids() - {worker}, "a new worker", served, deadline)
    wait_for(lambda: requested() == FEEDS, "every feed to be asked for", served, deadline)

    database = Path(env["FLORILEGE_DATA_DIR"]) / "florilege.sqlite3"
    wait_for(lambda: sqlite_converged(database), "the run to converge", served, deadline)
    found = child_counts(env)
    log = served.output(None)
    assert_nothing_lost_nor_doubled(found, log)
    assert "event=worker_exited code=-9" in log
