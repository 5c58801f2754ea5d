"""A reader app's sync of 1,000 unread suggestions, through the real views (Django's test
client, so the figure is the server's work without a network).

``python -m bench.readers`` (``make bench-readers``). Google Reader, as FreshRSS clients
sync: ``stream/items/ids`` for the unread ids (n=1000), then ``stream/items/contents`` in
pages of 100 ids (POST). Miniflux, as its clients do: ``/v1/entries?status=unread`` in pages
of 100. Each sync runs 7 times on SQLite (and on PostgreSQL when DATABASE_URL or
BENCH_POSTGRES_URL is set); median and worst wall time, and the median CPU time of the
process (the server's own work, SQLite's included, steadier than wall time on a busy
machine). The target is under 2 s. The last line is ``summary sync_1000_s=<Google Reader
median, SQLite> miniflux_sync_1000_s=<...> sync_1000_cpu_s=<...>``.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNREAD = 1000
PAGE = 100
RUNS = 7


def child() -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from florilege.readers import access, queue
    from florilege.sources.models import Entry, Source
    from florilege.suggestions.models import Suggestion
    from florilege.topics.models import Topic, TopicSource

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-password-long")
    topic = Topic.objects.create(title="Bench", slug="bench", owner=user)
    source = Source.objects.create(url="https://bench.example/feed", title="Bench feed")
    TopicSource.objects.create(topic=topic, source=source)
    entries = Entry.objects.bulk_create(
        Entry(
            source=source, key=f"k{i}", url=f"https://bench.example/{i}",
            canonical_url=f"https://bench.example/{i}", title=f"Story number {i}",
            summary="<p>" + "A paragraph of the story. " * 40 + "</p>", language="en",
            published_at=timezone.now(),
        )
        for i in range(UNREAD)
    )  # fmt: skip
    Suggestion.objects.bulk_create(
        Suggestion(topic=topic, entry=e, score=float(i)) for i, e in enumerate(entries)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _row, secret = access.create(user, "bench", timezone.now())
    client = Client(HTTP_AUTHORIZATION=f"GoogleLogin auth=bench/{secret}")
    reader = "/api/greader.php/reader/api/0/"

    def greader() -> int:
        ids = client.get(
            reader + "stream/items/ids",
            {"s": "user/-/state/com.google/reading-list", "xt": "user/-/state/com.google/read",
             "n": str(UNREAD), "output": "json"},
        ).json()["itemRefs"]  # fmt: skip
        got = 0
        for start in range(0, len(ids), PAGE):
            body = {"i": [r["id"] for r in ids[start : start + PAGE]]}
            got += len(client.post(reader + "stream/items/contents", body).json()["items"])
        return got

    def miniflux() -> int:
        got = 0
        for offset in range(0, UNREAD, PAGE):
            page = client.get(
                "/v1/entries", {"status": "unread", "limit": PAGE, "offset": offset},
                HTTP_X_AUTH_TOKEN=secret,
            ).json()  # fmt: skip
            got += len(page["entries"])
        return got

    out: dict = {"vendor": connection.vendor}
    for name, sync in (("greader", greader), ("miniflux", miniflux)):
        assert sync() == UNREAD  # warm, and check every item came
        times, cpu = [], []
        for _ in range(RUNS):
            queue.changed(user)  # each sync computes the queue's order once, as a new one would
            start, start_cpu = time.perf_counter(), time.process_time()
            sync()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        out[name] = {
            "median": statistics.median(times),
            "worst": max(times),
            "cpu": statistics.median(cpu),
        }
    return out


def run(database_url: str | None) -> dict | None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        env.update(
            DJANGO_SETTINGS_MODULE="florilege.settings",
            FLORILEGE_DATA_DIR=data_dir,
            FLORILEGE_SECRET_KEY=secrets.token_urlsafe(50),
            FLORILEGE_ALLOWED_HOSTS="testserver",
            FLORILEGE_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        if database_url:
            env["DATABASE_URL"] = database_url
        result = subprocess.run(
            [sys.executable, "-m", "bench.readers", "--child"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            print(result.stderr[-2000:], file=sys.stderr)
            return None
        return json.loads(result.stdout.strip().splitlines()[-1])


BENCH_DATABASE = "florilege_bench_readers" + os.environ.get("BENCH_DATABASE_SUFFIX", "")


def bench_postgres(server_url: str) -> str:
    """A fresh database of the bench's own on the server ``server_url`` points to; returns
    its URL. The database named in ``server_url`` is only connected to, never changed."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as conn:
        name = sql.Identifier(BENCH_DATABASE)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return urlunsplit(urlsplit(server_url)._replace(path="/" + BENCH_DATABASE))


def main() -> None:
    server = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL")
    backends = [("sqlite", None)] + ([("postgresql", server)] if server else [])
    results = {}
    print(f"{'sync of 1,000 unread items':<56} {'median':>8} {'worst':>8} {'CPU':>8}")
    for name, server_url in backends:
        found = run(bench_postgres(server_url) if server_url else None)
        if found is None:
            sys.exit(f"the {name} run failed")
        results[name] = found
        for api, label in (("greader", "Google Reader: ids, then contents by 100"),
                           ("miniflux", "Miniflux: entries by 100")):  # fmt: skip
            row = found[api]
            print(
                f"{name + ', ' + label:<56} {row['median']:>7.2f}s {row['worst']:>7.2f}s "
                f"{row['cpu']:>7.2f}s"
            )
    sqlite = results["sqlite"]
    print(
        f"summary sync_1000_s={sqlite['greader']['median']:.2f} "
        f"miniflux_sync_1000_s={sqlite['miniflux']['median']:.2f} "
        f"sync_1000_cpu_s={sqlite['greader']['cpu']:.2f}"
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(child()))
    else:
        main()
