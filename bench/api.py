"""The suggestion queue through the REST API: 100 suggestions of a topic with 100,000
pending, on SQLite and on PostgreSQL (DATABASE_URL or BENCH_POSTGRES_URL; skipped when
unset).

``python -m bench.api`` (``make bench-api``). Each database is filled in bulk in a child
process of its own, then ``GET /api/v1/topics/<slug>/suggestions?limit=100`` is asked for
through Django's test client with a personal access token (authentication, rate limit,
the ranked one-per-story query and the serialisation included): the first page, and a
page 20 cursors deep, once the process is ready to serve as a server's is
(``florilege.lib.serving``: views loaded, start-up objects frozen). p95 and median of
``LOADS`` loads of each, wall time (the machine is shared, which stretches wall times: the
CPU time of the serving process is shown beside it). The target is a p95 under 50 ms.

The reader-app sync figure (``sync_1000_s``) is ``bench.readers``'s, run here on the same
databases: a sync of 1,000 unread items as newsboat does it (ids, then contents by 100)
through the Google Reader API, and through the Miniflux API; the summary gives the slower
backend's median of the Google Reader sync.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

from bench import readers
from bench.ranking import ROOT, bench_postgres

PENDING = 100_000
LOADS = 60
DEEP = 20  # pages followed by cursor before timing the deep page
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

PAIRED = 40_000  # the first entries come in stories of two; the others are alone in theirs
# A run of its own on a shared server: BENCH_DATABASE_SUFFIX=_mine makes the database
# florilege_bench_api_mine (and the reader sync's florilege_bench_readers_mine).
BENCH_DATABASE = "florilege_bench_api" + os.environ.get("BENCH_DATABASE_SUFFIX", "")


def _stories(entries) -> None:
    """Every entry enriched into a story, as the enrichment stage leaves them: the queue's
    one-per-story query then has stories to group, as it has in production."""
    from florilege.suggestions.story_models import Story, StoryMember

    def key(entry) -> int:
        number = int(entry.key[1:])
        return number // 2 if number < PAIRED else number

    keys = sorted({key(e) for e in entries})
    stories = Story.objects.bulk_create(Story(first_seen=NOW, last_seen=NOW) for _ in keys)
    by_key = dict(zip(keys, stories, strict=True))
    StoryMember.objects.bulk_create(
        StoryMember(
            entry=e,
            story=by_key[key(e)],
            reason=StoryMember.Reason.NEW,
            seen_at=NOW,
            canonical_url=e.canonical_url,
        )
        for e in entries
    )


def _fill(topic, source) -> None:
    from florilege.sources.models import Entry
    from florilege.suggestions.models import Suggestion

    rng = random.Random(3)
    for start in range(0, PENDING, 5000):
        entries = Entry.objects.bulk_create(
            Entry(
                source=source,
                key=f"k{i}",
                url=f"https://bench.example/{i}",
                canonical_url=f"https://bench.example/{i}",
                title=f"Story number {i}",
                summary="<p>" + "A paragraph of the story. " * 8 + "</p>",
                language="en",
                published_at=NOW,
            )
            for i in range(start, start + 5000)
        )
        Suggestion.objects.bulk_create(
            Suggestion(
                topic=topic,
                entry=e,
                score=rng.random() * 10,
                reasons={"keywords": ["news"], "parts": {"model": 0.1, "rules": 0.2}},
            )
            for e in entries
        )
        _stories(entries)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def child() -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from florilege.api import tokens
    from florilege.lib import serving
    from florilege.sources.models import Source
    from florilege.topics.models import Topic, TopicSource

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-password-long")
    topic = Topic.objects.create(title="Bench", slug="bench", owner=user, keywords=["news"])
    source = Source.objects.create(url="https://bench.example/feed", title="Bench feed")
    TopicSource.objects.create(topic=topic, source=source)
    _fill(topic, source)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # What florilege.wsgi does in a server process before its first request; without it
    # the cycle collector's full collections (every 25-30 requests here, 100-350 ms each)
    # made the p95 on either database.
    serving.ready_to_serve()
    raw = tokens.create(user, "bench", "read", 0, NOW).raw
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/topics/{topic.slug}/suggestions?limit=100"
    deep = url
    for _ in range(DEEP):
        deep = url + "&cursor=" + json.loads(client.get(deep).content)["next_cursor"]
    out: dict = {"vendor": connection.vendor}
    for label, address in (("first page", url), (f"page {DEEP + 1} by cursor", deep)):
        client.get(address)  # warm
        times, cpu = [], []
        for _ in range(LOADS):
            with CaptureQueriesContext(connection) as queries:
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(address)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            # Not response.json(): the test client keeps the parsed document on the response,
            # in a reference cycle (response.json holds the response), garbage that only
            # the cycle collector frees and that a server process never makes.
            assert response.status_code == 200
            assert len(json.loads(response.content)["items"]) == 100
        out[label] = {
            "p95": _p95(times),
            "median": statistics.median(times),
            "cpu": statistics.median(cpu),
            "queries": len(queries),
        }
    return out


def run(database_url: str | None) -> dict | None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "FLORILEGE_DATABASE_URL")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="florilege.settings",
            FLORILEGE_DATA_DIR=data_dir,
            FLORILEGE_SECRET_KEY=secrets.token_urlsafe(50),
            FLORILEGE_ALLOWED_HOSTS="testserver",
            FLORILEGE_LOG_LEVEL="WARNING",
            FLORILEGE_API_RATE_LIMIT="100000",
            PYTHONPATH=str(ROOT),
        )
        if database_url:
            env["DATABASE_URL"] = database_url
        result = subprocess.run(
            [sys.executable, "-m", "bench.api", "--child"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            print(result.stderr[-2000:], file=sys.stderr)
            return None
        return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    server = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL")
    backends = [("sqlite", None)] + ([("postgresql", server)] if server else [])
    only = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--only=")]
    backends = [b for b in backends if not only or b[0] in only]  # e.g. --only=postgresql
    rows, p95s = [], []
    for name, server_url in backends:
        url = bench_postgres(server_url, BENCH_DATABASE) if server_url else None
        result = run(url)
        if result is None:
            rows.append((f"API queue, {name}", "failed (see stderr)", "-"))
            continue
        for label, r in result.items():
            if label == "vendor":
                continue
            rows.append(
                (
                    f"API queue {label}, 100 of {PENDING:,} pending, {name}",
                    f"{r['p95']:.1f} ms p95, {r['median']:.1f} ms median",
                    f"{r['queries']} queries; {r['cpu']:.1f} ms CPU (median)",
                )
            )
            p95s.append(r["p95"])
    syncs = []
    for name, server_url in backends:
        found = readers.run(readers.bench_postgres(server_url) if server_url else None)
        if found is None:
            rows.append((f"reader-app sync of 1,000 items, {name}", "failed (see stderr)", "-"))
            continue
        for api, label in (("greader", "Google Reader"), ("miniflux", "Miniflux")):
            r = found[api]
            rows.append(
                (
                    f"reader-app sync of 1,000 items ({label}), {name}",
                    f"{r['median']:.2f} s median, {r['worst']:.2f} s worst",
                    f"{r['cpu']:.2f} s CPU (median)",
                )
            )
        syncs.append(found["greader"]["median"])
    print("| measure | ours | note |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    worst = f"{max(p95s):.1f}" if p95s else "n/a"
    sync = f"{max(syncs):.2f}" if syncs else "n/a"
    print(f"summary queue_p95_ms={worst} sync_1000_s={sync} backends={len(backends)}")


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(child()))
    else:
        main()
