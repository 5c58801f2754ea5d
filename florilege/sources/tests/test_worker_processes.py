"""Several real ``manage.py worker`` processes against one PostgreSQL database.

The leases (``florilege.jobs.leases``) only mean something across processes, so these
tests start workers with ``subprocess`` on the test database and serve slow feeds on
loopback: the server counts, per feed, the requests in flight at once. PostgreSQL only,
because SQLite has no ``SKIP LOCKED`` and serialises writers anyway.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from florilege.sources.models import Entry, Source
from florilege.sources.tests.feeds import rss
from florilege.suggestions.models import Suggestion
from florilege.testing import LoopbackServer, Reply
from florilege.topics.models import Topic, TopicSource

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="worker processes share leases through PostgreSQL (SKIP LOCKED)",
    ),
    pytest.mark.django_db(transaction=True),
]

REPO = Path(__file__).resolve().parents[3]
FEEDS = 60
ITEMS = 4
# Seconds a scenario may take before the test gives up (a failure, not a hang). Each worker
# process loads the sentence encoder (about 4 s, more on a busy machine) in its first
# enrichment stage, so a loaded 2-core CI runner needs more than the fetching alone.
DEADLINE = 90.0


class SlowFeeds:
    """Feeds whose replies take ``delay(n)`` seconds (``n``: requests seen so far, from 1).

    Counts per path the requests in flight, the most ever in flight at once, and the total.
    """

    def __init__(self, server: LoopbackServer, delay: Callable[[int], float]) -> None:
        self.server = server
        self.delay = delay
        self.lock = threading.Lock()
        self.in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.total: Counter[str] = Counter()
        self.most_at_once = 0  # over all paths: shows that several processes overlapped

    def add(self, path: str, body: bytes) -> str:
        reply = Reply(200, body, {"Content-Type": "application/rss+xml"})

        def handle(_request: object) -> Reply:
            with self.lock:
                self.in_flight[path] += 1
                self.total[path] += 1
                self.peak[path] = max(self.peak[path], self.in_flight[path])
                self.most_at_once = max(self.most_at_once, sum(self.in_flight.values()))
                seen = sum(self.total.values())
            try:
                time.sleep(self.delay(seen))
                return reply
            finally:
                with self.lock:
                    self.in_flight[path] -= 1

        self.server.routes[path] = handle
        return self.server.url(path)

    def requests(self) -> int:
        with self.lock:
            return sum(self.total.values())

    def snapshot(self) -> Counter[str]:
        with self.lock:
            return Counter(self.total)

    def busy(self) -> int:
        with self.lock:
            return sum(self.in_flight.values())


def feed_body(feed: int) -> bytes:
    # Distinct guids, titles and links per feed, so every item is its own story.
    return rss(
        [
            (
                f"f{feed}-i{item}",
                f"Dispatch {item} from feed {feed}",
                f"https://feed{feed}.example/posts/{item}",
            )
            for item in range(ITEMS)
        ],
        title=f"Feed {feed}",
    )


def make_sources(feeds: SlowFeeds, curator: User) -> list[Source]:
    # No language filter: every new entry becomes exactly one suggestion.
    topic = Topic.objects.create(title="Workers", slug="workers", languages=[], owner=curator)
    due = timezone.now() - timedelta(minutes=1)
    sources = []
    for n in range(FEEDS):
        url = feeds.add(f"/feed/{n}.xml", feed_body(n))
        source = Source.objects.create(url=url, next_fetch_at=due)
        TopicSource.objects.create(topic=topic, source=source)  # workers fetch followed sources
        sources.append(source)
    return sources


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def database_url() -> str:
    """The test database (``test_<name>``) as a URL, for the worker processes."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


class Workers:
    """Start ``manage.py worker`` processes; :meth:`stop_all` never leaves one running."""

    def __init__(self, tmp: Path, batch: int) -> None:
        self.tmp = tmp
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLORILEGE_")}
        env.pop("DATABASE_URL", None)
        env.update(
            DATABASE_URL=database_url(),
            DJANGO_SETTINGS_MODULE="florilege.settings",
            FLORILEGE_SECRET_KEY="worker-process-test-" + "k" * 40,
            FLORILEGE_ALLOW_NETWORKS="127.0.0.0/8",
            FLORILEGE_DATA_DIR=str(tmp),
            FLORILEGE_WORKER_BATCH=str(batch),
            FLORILEGE_WORKER_IDLE_SECONDS="0.2",
            FLORILEGE_FETCH_TIMEOUT="20",
            FLORILEGE_LOG_LEVEL="WARNING",
            # Behind PgBouncer (florilege.testing_pgbouncer) as the suite is.
            FLORILEGE_DB_POOLED="1"
            if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
            else "0",
        )
        self.env = env
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, stages: str = "") -> subprocess.Popen[bytes]:
        log = (self.tmp / f"worker-{len(self.procs)}.log").open("wb")
        options = ["--stages", stages] if stages else []
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "worker", *options],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,  # a file, never a pipe: a full pipe would block it
        )
        log.close()
        self.procs.append(proc)
        return proc

    def owner(self, proc: subprocess.Popen[bytes]) -> str:
        return f"{socket.gethostname()}:{proc.pid}"  # as florilege.jobs.leases.worker_id

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.tmp.glob("worker-*.log"))
        )

    def output(self, index: int) -> str:
        return (self.tmp / f"worker-{index}.log").read_text(errors="replace")

    def cycles(self, index: int, stage: str = "fetch") -> int:
        """Cycles in which worker ``index`` said it did work in ``stage``."""
        return sum(
            f" {stage}=" in line
            for line in self.output(index).splitlines()
            if line.startswith("worker ")
        )

    def assert_alive(self) -> None:
        dead = [p.returncode for p in self.procs if p.poll() is not None and p.returncode != -9]
        assert not dead, f"a worker exited ({dead}):\n{self.logs()}"

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # finishes its cycle, then exits
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[[int], Workers]]:
    made: list[Workers] = []

    def make(batch: int) -> Workers:
        made.append(Workers(tmp_path, batch))
        return made[-1]

    try:
        yield make
    finally:
        for group in made:
            group.stop_all()


def wait_for(condition: Callable[[], bool], group: Workers, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        group.assert_alive()
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{group.logs()}"
        time.sleep(0.1)


def all_fetched() -> bool:
    """Every source fetched and recorded, and no lease left behind."""
    return not Source.objects.filter(Q(last_fetched_at=None) | ~Q(leased_until=None)).exists()


def assert_stored_exactly_once(sources: list[Source]) -> None:
    assert Source.objects.filter(last_success_at__isnull=True).count() == 0
    assert Source.objects.exclude(leased_until=None).count() == 0
    assert Source.objects.exclude(lease_owner="").count() == 0
    assert set(Source.objects.values_list("error_count", flat=True)) == {0}
    assert set(Source.objects.values_list("last_error", flat=True)) == {""}
    assert set(Source.objects.values_list("entry_count", flat=True)) == {ITEMS}
    assert Entry.objects.count() == FEEDS * ITEMS
    per_source = Entry.objects.values("source").annotate(n=Count("id"))
    assert sorted(row["n"] for row in per_source) == [ITEMS] * FEEDS
    # The same story twice would show as one canonical URL on two rows.
    by_url = Entry.objects.values("canonical_url").annotate(n=Count("id")).filter(n__gt=1)
    assert list(by_url) == []
    assert Entry.objects.values("canonical_url").distinct().count() == FEEDS * ITEMS
    assert Suggestion.objects.count() == FEEDS * ITEMS
    assert Suggestion.objects.values("entry").distinct().count() == FEEDS * ITEMS
    assert {s.pk for s in sources} == set(Source.objects.values_list("pk", flat=True))


def test_three_workers_never_fetch_one_source_at_once(loopback, curator, workers) -> None:
    feeds = SlowFeeds(loopback, delay=lambda _n: 0.3)
    sources = make_sources(feeds, curator)
    # The first sources in line are row-locked, as by a worker in the middle of leasing
    # them: the others must skip those rows (SKIP LOCKED), neither wait nor take them.
    held = [s.pk for s in sources[:5]]
    Source.objects.filter(pk__in=held).update(next_fetch_at=timezone.now() - timedelta(hours=1))
    group = workers(5)
    with transaction.atomic():
        list(Source.objects.select_for_update().filter(pk__in=held))
        for _ in range(3):
            group.start()
        wait_for(
            lambda: Source.objects.exclude(last_fetched_at=None).count() == FEEDS - len(held),
            group,
            "the unlocked sources to be fetched",
        )
        assert not Source.objects.filter(pk__in=held).exclude(last_fetched_at=None).exists()
    wait_for(all_fetched, group, "every source to be fetched")
    group.stop_all()

    assert max(feeds.peak.values()) == 1, {p: n for p, n in feeds.peak.items() if n > 1}
    assert sorted(feeds.total.values()) == [1] * FEEDS  # each feed requested exactly once
    # The processes really overlapped: more fetches at once than one batch allows, and
    # more than one worker took a share.
    assert feeds.most_at_once > 5
    assert sum(group.cycles(i) > 0 for i in range(3)) >= 2, group.logs()
    assert_stored_exactly_once(sources)


def test_killing_a_worker_mid_run_loses_and_duplicates_nothing(loopback, curator, workers) -> None:
    batch = 10
    # The first batch answers at once, so the worker records it; from its second batch on
    # the answers are slow, so the kill lands while that batch is leased and in flight.
    phase = {"slow": True}

    def delay(seen: int) -> float:
        if seen <= batch:
            return 0.05
        return 2.0 if phase["slow"] else 0.1

    feeds = SlowFeeds(loopback, delay)
    sources = make_sources(feeds, curator)
    first = workers(batch)
    doomed = first.start()
    wait_for(
        lambda: (
            feeds.requests() > batch
            and Source.objects.exclude(last_fetched_at=None).count() == batch
        ),
        first,
        "the first batch to be stored and the second to be in flight",
    )
    time.sleep(0.3)  # let the rest of the second batch reach the server (not required)
    doomed.send_signal(signal.SIGKILL)  # no clean-up of any kind: a crash
    doomed.wait(timeout=10)
    phase["slow"] = False

    stranded = Source.objects.filter(lease_owner=first.owner(doomed))
    assert stranded.count() == batch
    assert not stranded.exclude(last_fetched_at=None).exists()  # none of it was recorded
    unrecorded = {path_of(s.url) for s in Source.objects.filter(last_fetched_at=None)}
    assert len(unrecorded) == FEEDS - batch
    # Let the dead worker's requests run out on the server, so a later request for the same
    # feed cannot be counted as overlapping with a request nobody is waiting for.
    wait_for(lambda: feeds.busy() == 0, first, "the dead worker's requests to end")
    before = feeds.snapshot()
    # The dead worker's leases last 5 minutes (``FLORILEGE_WORKER_LEASE_SECONDS``): expire
    # them now instead of waiting, as the clock would.
    expired = stranded.update(leased_until=timezone.now() - timedelta(seconds=1))
    assert expired == batch

    second = workers(batch)
    for _ in range(2):
        second.start()
    wait_for(all_fetched, second, "the survivors to fetch everything")
    second.stop_all()

    assert max(feeds.peak.values()) == 1
    # The survivors requested each feed the dead worker left unrecorded exactly once, and
    # none of the feeds it had recorded.
    after = feeds.snapshot()
    after.subtract(before)
    assert {p: n for p, n in after.items() if n} == dict.fromkeys(unrecorded, 1)
    assert_stored_exactly_once(sources)
