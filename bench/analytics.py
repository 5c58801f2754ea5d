"""Audience analytics at scale: one year of synthetic traffic for 100 topics.

Every topic gets, per day, the daily rows that 10,000 views and 500 clicks produce (views,
visitors, clicks, per-scoop views and clicks, referrer buckets and hosts, devices,
followers by channel, clicks by weekday and hour, fediverse likes and boosts): written
in bulk as aggregates, the way the rollup leaves them. Then:

- the Audience page (``curation:audience``) p95 over 7, 30, 90 and 365 days;
- the rollup stage's throughput: raw events of one day (10,000 views and 500 clicks for
  each of ``--rollup-topics`` topics) rolled up into daily rows, events per second;
- the topic page's requests per second with counting on and off, in the same run and
  the same process, blocks of 1,000 requests alternated, the median of 7 (Django's test
  client: the full Django stack, the page cache on, an anonymous reader with a browser's
  user agent, 250 addresses). "On" is the default: views held by the process, the block's
  write of them timed with it; "one write" writes each view in its request. Also per
  CPU-second of the process, which a busy machine disturbs less.

On SQLite, and on PostgreSQL too when DATABASE_URL (or BENCH_POSTGRES_URL) is set; the
bench makes a database of its own there (``--database``, dropped first).

    python -m bench.analytics [--topics 100] [--days 365] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWS, CLICKS = 10_000, 500
SCOOPS_PER_TOPIC = 60
LOADS = 20
# Blocks of BLOCK requests per counting mode, alternated; the median block is reported.
# Each "on" block ends by writing its views, as the web process's writer does every 2 s:
# 1,000 views a write is still 15-20 times as often as a writer at these rates (9,000
# requests/s per process make 18,000 views in 2 s), so the write's fixed cost (a
# transaction, a round trip or two) weighs more here than in a server, not less.
ROUNDS = 7
BLOCK = 1000


def _daily_rows(topic_id: int, day, scoop_ids: list[int], rng: random.Random) -> list[tuple]:
    views = VIEWS + rng.randint(-800, 800)
    clicks = CLICKS + rng.randint(-60, 60)
    rows = [("views", "", views), ("visitors", "", views * 2 // 5), ("clicks", "", clicks)]
    shown = rng.sample(scoop_ids, 5)
    for i, pk in enumerate(shown):
        rows.append(("scoop_views", str(pk), views // (i + 3)))
        rows.append(("scoop_clicks", str(pk), clicks // (i + 3)))
    for bucket, share in (("search", 30), ("fediverse", 15), ("social", 10), ("email", 5),
                          ("direct", 35), ("other", 5)):  # fmt: skip
        rows.append(("referrer", bucket, views * share // 100))
    for host in ("google.com", "mastodon.social", "news.ycombinator.com"):
        rows.append(("ref_host", host, views // 20))
    for device, share in (("phone", 55), ("tablet", 10), ("desktop", 35)):
        rows.append(("device", device, views * share // 100))
    for channel, n in (("email", 300), ("fediverse", 800), ("feed", 450)):
        rows.append(("followers", channel, n + day.toordinal() % 97))
    for cell in range(8):
        rows.append(("click_hour", f"{day.weekday()}-{8 + cell:02d}", clicks // 10))
    rows.append(("likes", str(shown[0]), 12))
    rows.append(("likes", str(shown[1]), 7))
    rows.append(("boosts", str(shown[0]), 5))
    return [(topic_id, day, kind, key, value) for kind, key, value in rows]


def child(topics: int, days: int, rollup_topics: int) -> dict:
    import django

    django.setup()
    from dataclasses import replace

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from florilege.analytics import rollup
    from florilege.analytics.counting import flush
    from florilege.analytics.models import ClickEvent, DailyCount, RollupDay, ViewEvent
    from florilege.curation.models import Scoop
    from florilege.lib.serving import ready_to_serve
    from florilege.publishing.cache import clear_all
    from florilege.topics.models import Topic

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages as served (DEBUG off)
    out: dict = {"vendor": connection.vendor}
    user = get_user_model().objects.create_user("bench", password="bench-password-long")
    today = timezone.now().date()
    rng = random.Random(17)
    started = time.perf_counter()
    topic_rows = Topic.objects.bulk_create(
        Topic(title=f"Topic {i}", slug=f"topic-{i}", owner=user, keywords=["news"])
        for i in range(topics)
    )
    scoop_ids: dict[int, list[int]] = {}
    for t in topic_rows:
        made = Scoop.objects.bulk_create(
            Scoop(
                topic=t,
                curator=user,
                url=f"https://news.example/{t.pk}/{i}",
                canonical_url=f"news.example/{t.pk}/{i}",
                title=f"Story {i} of {t.pk}",
                insight="Why.",
                insight_html="<p>Why.</p>",
                status="published",
                published_at=timezone.now() - timedelta(days=i),
            )
            for i in range(SCOOPS_PER_TOPIC)
        )
        scoop_ids[t.pk] = [s.pk for s in made]
    RollupDay.objects.bulk_create(
        RollupDay(day=today - timedelta(days=d), done_at=timezone.now()) for d in range(1, days + 1)
    )
    written = 0
    for t in topic_rows:
        batch = []
        for d in range(1, days + 1):
            batch.extend(_daily_rows(t.pk, today - timedelta(days=d), scoop_ids[t.pk], rng))
        DailyCount.objects.bulk_create(
            (DailyCount(topic_id=a, day=b, kind=c, key=k, value=v) for a, b, c, k, v in batch),
            batch_size=5000,
        )
        written += len(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    out["rows"] = written
    out["build_s"] = time.perf_counter() - started
    out["traffic"] = {"views": topics * days * VIEWS, "clicks": topics * days * CLICKS}

    # The Audience page, as a team member sees it.
    client = Client()
    client.force_login(user)
    # One load of a topic not measured, first: the process's first page compiles its
    # templates and reads its translations, which a running server has done long before.
    client.get(reverse("curation:audience", args=[topic_rows[-1].slug]))
    pages = {}
    for period in (7, 30, 90, 365):
        times, cpu = [], []
        for i in range(LOADS):
            # Each load a topic and period not loaded before: the report kept between two
            # rollups (report.CACHE_SECONDS) is never what is measured.
            slug = topic_rows[(i * 7) % topics].slug
            url = reverse("curation:audience", args=[slug]) + f"?days={period}"
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200
        times.sort()
        pages[period] = {
            "median": statistics.median(times),
            # This process's CPU (not the database server's): what a busy machine's
            # waiting adds to the wall time shows as the difference.
            "cpu": statistics.median(cpu),
            "p95": times[min(len(times) - 1, int(len(times) * 0.95))],
        }
    out["audience"] = pages

    # Rollup throughput: one day of raw events for a few topics.
    day = today - timedelta(days=days + 2)
    start_at = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    for t in topic_rows[:rollup_topics]:
        ViewEvent.objects.bulk_create(
            (
                ViewEvent(
                    topic=t,
                    scoop_id=scoop_ids[t.pk][i % 10] if i % 3 else None,
                    at=start_at + timedelta(seconds=i * 8),
                    visitor=f"{i % 4000:064x}",
                    referrer=("search", "direct", "fediverse")[i % 3],
                    referrer_host=("google.com", "", "mastodon.social")[i % 3],
                    device=("phone", "desktop", "tablet")[i % 3],
                )
                for i in range(VIEWS)
            ),
            batch_size=5000,
        )
        ClickEvent.objects.bulk_create(
            (
                ClickEvent(
                    topic=t,
                    scoop_id=scoop_ids[t.pk][i % 10],
                    via="page",
                    at=start_at + timedelta(seconds=i * 160),
                    device="phone",
                )
                for i in range(CLICKS)
            ),
            batch_size=5000,
        )
    start = time.perf_counter()
    events = rollup.roll_up(day)
    elapsed = time.perf_counter() - start
    out["rollup"] = {"events": events, "seconds": elapsed, "per_s": events / elapsed}

    # The topic page with counting on and off (blocks alternated, same process).
    reader = Client()
    topic = topic_rows[0]
    url = reverse("publishing:topic", args=[topic.slug])
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
    clear_all()
    reader.get(url, HTTP_USER_AGENT=agent)
    base = settings.CONFIG
    modes = {
        "off": replace(base, ANALYTICS_ENABLED=False),
        "on": replace(base, ANALYTICS_ENABLED=True),  # the defaults: a writer thread
        "one write": replace(base, ANALYTICS_ENABLED=True, ANALYTICS_BUFFER_EVENTS=1),
    }
    # What the web server's module does once the application is loaded (florilege/wsgi.py):
    # without it, each full collection walks every object of the process (0.1-0.3 s here),
    # and which block of requests one lands in decides the ratio more than counting does.
    ready_to_serve()
    rates: dict[str, list[float]] = {m: [] for m in modes}
    cpu_rates: dict[str, list[float]] = {m: [] for m in modes}
    for _round in range(ROUNDS):
        for mode, config in modes.items():
            settings.CONFIG = config
            n = BLOCK
            start, start_cpu = time.perf_counter(), time.process_time()
            for i in range(n):
                reader.get(url, HTTP_USER_AGENT=agent, REMOTE_ADDR=f"198.51.100.{i % 250}")
            # Writing the held views is timed too: the request only notes a view and the
            # writer does the rest, so leaving the flush out would leave out most of the
            # cost of counting.
            flush()
            rates[mode].append(n / (time.perf_counter() - start))
            # Requests per second of the process's CPU (all its threads): what a busy
            # machine's other processes change least; the database server's own CPU is
            # not in it on PostgreSQL (it is on SQLite, which runs in the process).
            cpu_rates[mode].append(n / max(time.process_time() - start_cpu, 1e-6))
    settings.CONFIG = base
    out["rps"] = {m: statistics.median(v) for m, v in rates.items()}
    out["cpu_rps"] = {m: statistics.median(v) for m, v in cpu_rates.items()}
    return out


def run(database_url: str | None, args) -> dict | None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "FLORILEGE_DATABASE_URL")}  # fmt: skip
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
        command = [sys.executable, "-m", "bench.analytics", "--child",
                   "--topics", str(args.topics), "--days", str(args.days),
                   "--rollup-topics", str(args.rollup_topics)]  # fmt: skip
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                check=False)  # fmt: skip
        if result.returncode != 0:
            print(result.stderr[-3000:], file=sys.stderr)
            return None
        return json.loads(result.stdout.strip().splitlines()[-1])


def bench_postgres(server_url: str, database: str) -> str:
    """A fresh database of the bench's own on the server ``server_url`` points to."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as conn:
        name = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path="/" + database))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--topics", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rollup-topics", type=int, default=10)
    parser.add_argument(
        "--only",
        choices=("sqlite", "postgresql"),
        help="one database only (PostgreSQL needs DATABASE_URL)",
    )
    parser.add_argument(
        "--database",
        default="florilege_bench_analytics",
        help="the PostgreSQL database the bench makes (dropped first)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.topics, args.days, args.rollup_topics), default=str))
        return
    server = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL")
    backends = [("sqlite", None)] + ([("postgresql", server)] if server else [])
    backends = [b for b in backends if args.only in (None, b[0])]
    if not backends:
        sys.exit("--only=postgresql needs DATABASE_URL or BENCH_POSTGRES_URL")
    results = {}
    for name, server_url in backends:
        url = bench_postgres(server_url, args.database) if server_url else None
        found = run(url, args)
        if found is None:
            sys.exit(f"the {name} run failed")
        results[name] = found
    first = next(iter(results.values()))
    print(f"{args.topics} topics x {args.days} days: {first['traffic']['views']:,} views and "
          f"{first['traffic']['clicks']:,} clicks as {first['rows']:,} daily rows")  # fmt: skip
    print()
    print("| measure | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for period in ("7", "30", "90", "365"):
        cells = []
        for r in results.values():
            page = r["audience"][period]
            cells.append(f"{page['p95']:.0f} ms (median {page['median']:.0f}, "
                         f"CPU {page['cpu']:.0f})")  # fmt: skip
        print(f"| Audience page p95, {period} days | " + " | ".join(cells) + " |")
    cells = []
    for r in results.values():
        roll = r["rollup"]
        cells.append(f"{roll['per_s']:,.0f} ({roll['events']:,} events, {roll['seconds']:.1f} s)")
    print("| rollup, events/s | " + " | ".join(cells) + " |")
    for mode in ("off", "on", "one write"):
        cells = [f"{r['rps'][mode]:.0f}" for r in results.values()]
        print(f"| topic page req/s, counting {mode} | " + " | ".join(cells) + " |")
    cells = []
    for r in results.values():
        rps = r["rps"]
        on, one = rps["on"] / rps["off"], rps["one write"] / rps["off"]
        cells.append(f"{on:.2f} (one write per view: {one:.2f})")
    print("| counting on / off | " + " | ".join(cells) + " |")
    cells = [f"{r['cpu_rps']['on'] / r['cpu_rps']['off']:.2f} ({r['cpu_rps']['off']:.0f} / "
             f"{r['cpu_rps']['on']:.0f} req per CPU-s)" for r in results.values()]  # fmt: skip
    print("| counting on / off, per CPU-second of the process | " + " | ".join(cells) + " |")
    cells = [f"{r['build_s']:.0f} s" for r in results.values()]
    print("| building the year | " + " | ".join(cells) + " |")
    worst = max(max(p["p95"] for p in r["audience"].values()) for r in results.values())
    rollup_rate = min(r["rollup"]["per_s"] for r in results.values())
    ratio = min(r["rps"]["on"] / r["rps"]["off"] for r in results.values())
    print()
    print(f"summary audience_p95_ms={worst:.0f} rollup_events_per_s={rollup_rate:.0f} "
          f"counting_rps_ratio={ratio:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
