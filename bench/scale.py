"""Scale: a large instance on PostgreSQL, served and worked on by separate "hosts".

    python -m bench.scale [--scale 1.0] [--warm-minutes 10] [--soak-minutes 30]

1. Generates, with ``COPY`` (psycopg), the instance of the scale issue in a database of its
   own (``fl_scale_bench`` on 127.0.0.1 by default): 10,000 sources, 1,000 topics, 200
   members, 2,000,000 entries with their stories and sentence vectors (float16 x 512),
   500,000 pending suggestions, 200,000 published scoops and a year of the analytics'
   daily rows for every topic; entries are spread over the last year. ``--scale`` multiplies
   every count (0.05 for a quick run); ``--topics`` sets the topic count alone (many topics
   on a small instance), ``--analytics-days`` the days of Audience rows (365).
2. Starts the hosts, each a process (tree) with a data folder of its own, all on that one
   PostgreSQL, one Redis (the page cache) and one S3-compatible store for media (moto's
   server): two web hosts (granian, as ``manage.py serve`` runs it), and the worker pools
   as ``manage.py worker --stages``: fetch (two processes), enrichment and suggestion, and
   federation and mail (with the rest). Feeds are served from loopback by nginx.
3. Measures: two fetch workers against one on the same kind of batch; then, while the
   feeds publish a steady stream (``--rate`` new entries a second, marked due as a feed's
   poll would come due), the queue page, the topic page uncached and cached, site search,
   the Audience page and the API's queue (p95, alternating the two web hosts), and stage
   lag (age of the oldest due item) of fetch and suggest; then a soak: one worker of each
   pool is killed (SIGKILL) halfway and started again; memory of every host at the start
   and the end; errors in the logs; and, once the stream stops and the backlog drains,
   every published item stored once and scored once.
4. Retention: the ``retention`` stage on the generated year (``--retain-days``), timed and
   capped (``--retention-seconds``), with the database size before and after.

Prints a table and, last, ``summary queue_p95_ms=… topic_p95_ms=… search_p95_ms=…
lag_p95_s=… fetch_speedup_2w=… soak_rss_growth=…``. The database is left for a re-run
(``--reuse`` skips the generation); ``--drop`` removes it at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.analytics import _daily_rows
from bench.feedgen import Item, _html, _title, build_feed, load_sentences, render_rss
from bench.nginx import Nginx

REPO = Path(__file__).resolve().parent.parent
FULL = {
    "sources": 10_000,
    "topics": 1_000,
    "members": 200,
    "entries": 2_000_000,
    "pending": 500_000,
    "scoops": 200_000,
}
FORBIDDEN_DATABASES = {"test", "postgres", "template0", "template1"}
PASSWORD = "scale-bench-password"
BUCKET = "florilege-scale"
WORDS = [
    "climate",
    "election",
    "energy",
    "housing",
    "transit",
    "health",
    "science",
    "budget",
    "water",
    "school",
    "court",
    "harbour",
    "vaccine",
    "ocean",
    "rail",
    "wind",
    "solar",
    "border",
    "trade",
    "tariff",
    "museum",
    "festival",
    "drought",
    "moderation",
    "fediverse",
    "privacy",
    "archive",
    "satellite",
    "glacier",
    "strike",
    "wages",
    "inflation",
    "farm",
]
# Entries whose source is one of the live feeds: the last LIVE_ITEMS of each are in the
# feed file, the earlier ones only in the database.
LIVE_ITEMS = 50


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=float, default=1.0, help="multiplies every count (1.0)")
    p.add_argument("--topics", type=int, help="topic count instead of the scaled one")
    p.add_argument("--analytics-days", type=int, default=365, help="Audience rows per topic")
    p.add_argument("--database", default="fl_scale_bench", help="database to (re)create")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL")
    p.add_argument("--redis-db", type=int, default=7)
    p.add_argument("--port-base", type=int, default=18700, help="first of ~10 loopback ports")
    p.add_argument("--reuse", action="store_true", help="keep an already generated database")
    p.add_argument("--generate-only", action="store_true", help="stop after generating")
    p.add_argument("--drop", action="store_true", help="drop the database at the end")
    p.add_argument("--live-feeds", type=int, default=200, help="feeds publishing (200)")
    p.add_argument("--rate", type=float, default=50.0, help="new entries per second (50)")
    p.add_argument("--warm-minutes", type=float, default=10.0, help="measured stream (10)")
    p.add_argument("--soak-minutes", type=float, default=30.0, help="soak after it (30)")
    # Long enough that the last cycle's tail does not make up much of the run (the wait for
    # the workers' first look is left out: fetch_rate times from the first entry stored):
    # 1,500 took one worker 2 s on a quiet machine and showed 1.38x where 4,000 showed 1.96x.
    p.add_argument(
        "--speedup-items", type=int, default=5000,
        help="entries per fetch run (5,000; at most 50 per feed of half the live feeds)",
    )  # fmt: skip
    p.add_argument("--retain-days", type=int, default=90, help="retention age for step 4")
    p.add_argument("--retention-seconds", type=float, default=300.0, help="cap on step 4")
    p.add_argument("--drain-seconds", type=float, default=900.0, help="cap on the drain")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return p.parse_args(argv)


def counts(scale: float, topics: int | None = None) -> dict[str, int]:
    n = {k: max(int(v * scale), 5) for k, v in FULL.items()}
    # Many topics on a small instance: what the suggestion stage's cost grows with.
    return n | ({"topics": topics} if topics else {})


# ---------------------------------------------------------------------------- environment


@dataclass
class Ports:
    base: int

    @property
    def nginx(self) -> int:
        return self.base + 1

    @property
    def s3(self) -> int:
        return self.base + 2

    def web(self, n: int) -> int:
        return self.base + 10 + n


def shared_env(args: argparse.Namespace, tmp: Path, secret: str) -> dict[str, str]:
    """What every host shares: the database, Redis, the media bucket, the secret key."""
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FLORILEGE_") and k not in {"DATABASE_URL", "CI_POSTGRES_URL"}
    }
    s3 = f"http://127.0.0.1:{Ports(args.port_base).s3}"
    return kept | {
        "DJANGO_SETTINGS_MODULE": "florilege.settings",
        "DATABASE_URL": f"{args.pg}/{args.database}",
        "FLORILEGE_SECRET_KEY": secret,
        "FLORILEGE_DATA_DIR": str(tmp / "bench"),
        "FLORILEGE_CACHE_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "FLORILEGE_ALLOW_NETWORKS": "127.0.0.0/8",
        "FLORILEGE_LOG_LEVEL": "WARNING",
        "FLORILEGE_WORKER_IDLE_SECONDS": "0.5",
        "FLORILEGE_FETCH_PER_HOST": "16",
        "FLORILEGE_MEDIA_STORAGE": "s3",
        "FLORILEGE_S3_BUCKET": BUCKET,
        "FLORILEGE_S3_ENDPOINT_URL": s3,
        "FLORILEGE_S3_REGION": "us-east-1",
        "FLORILEGE_S3_ACCESS_KEY_ID": "bench-key",
        "FLORILEGE_S3_SECRET_ACCESS_KEY": "bench-secret",
        # The API's rate limit would otherwise measure the limiter, not the queue.
        "FLORILEGE_API_RATE_LIMIT": "100000",
    }


def psql(args: argparse.Namespace, sql: str, database: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", f"{args.pg}/{database}", "-Atqc", sql], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


def recreate_database(args: argparse.Namespace) -> None:
    if args.database in FORBIDDEN_DATABASES or not re.fullmatch(r"[a-z_][a-z0-9_]*", args.database):
        raise SystemExit(f"refusing to use database {args.database!r}")
    psql(args, f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
    psql(args, f"CREATE DATABASE {args.database}")


# ----------------------------------------------------------------------------- generation


def copy_rows(model: Any, rows: Iterator[dict[str, Any]]) -> int:
    """COPY ``rows`` into ``model``'s table: each row a dict of attnames; every other column
    gets the field's default (what ``Model()`` would save)."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    fields = list(model._meta.concrete_fields)
    defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
        with raw.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for f in fields:
                    value = row[f.attname] if f.attname in row else defaults[f.attname]
                    if isinstance(value, (dict, list)):
                        value = Jsonb(value)
                    values.append(value)
                copy.write_row(values)
                written += 1
        if model._meta.pk.get_internal_type().endswith("AutoField"):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {quote(table)}))"
            )
    return written


_PROSE: list[str] = []


def words(rng: random.Random, n: int) -> str:
    """``n`` words of real French and English sentences (the corpus the feeds are made of):
    search then meets the spread of words real text has, not a handful repeated."""
    if not _PROSE:
        _PROSE.extend(s for lang in load_sentences().values() for s in lang)
    out: list[str] = []
    while len(out) < n:
        out += rng.choice(_PROSE).rstrip(".").split()
    return " ".join(out[:n])


def search_query(rng: random.Random) -> str:
    """Two words of five letters or more from one sentence, as a reader would type."""
    while True:
        long = [w.strip(",;:!?\"'()") for w in words(rng, 12).split() if len(w) >= 5]
        if len(long) >= 2:
            return " ".join(rng.sample(long, 2))


def topic_of_source(s: int, topics: int) -> int:
    """Every source is followed by one topic (ids from 1); one in five by a second."""
    return 1 + (s - 1) % topics


def second_topic(s: int, topics: int) -> int | None:
    return 1 + (s * 7 + 3) % topics if s % 5 == 0 else None


def generate(args: argparse.Namespace, n: dict[str, int], base_url: str) -> dict[str, float]:
    """Fill the empty, migrated database; seconds per table."""
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from florilege.analytics.models import DailyCount, RollupDay
    from florilege.curation.models import Scoop
    from florilege.lib.text import embedding
    from florilege.sources.models import Entry, Source
    from florilege.suggestions.models import EntryVector, Suggestion
    from florilege.suggestions.story_models import Story, StoryMember
    from florilege.topics.models import Membership, Topic, TopicSource

    rng = random.Random(20)
    now = datetime.now(UTC)
    year = timedelta(days=365)
    timings: dict[str, float] = {}
    hashed = make_password(PASSWORD)
    S, T, M, E = n["sources"], n["topics"], n["members"], n["entries"]

    def timed(name: str, model: Any, rows: Iterator[dict[str, Any]]) -> None:
        began = time.perf_counter()
        copy_rows(model, rows)
        timings[name] = time.perf_counter() - began
        print(f"  generated {name} in {timings[name]:.1f} s", file=sys.stderr, flush=True)

    timed("members", get_user_model(), (
        {"id": i, "username": "curator" if i == 1 else f"member{i}", "password": hashed,
         "email": f"m{i}@example.org", "date_joined": now - year}
        for i in range(1, M + 1)
    ))  # fmt: skip
    timed("topics", Topic, (
        {"id": t, "slug": f"topic-{t}", "title": f"Topic {t}: {words(rng, 2)}",
         "owner_id": 1 + (t - 1) % M, "keywords": [WORDS[t % len(WORDS)]],
         "created_at": now - year, "changed_at": now - year}
        for t in range(1, T + 1)
    ))  # fmt: skip
    timed("memberships", Membership, (
        {"id": i + 1, "topic_id": 1 + i % T, "user_id": 1 + (i * 13 + 5) % M,
         "role": ("editor", "contributor", "viewer")[i % 3]}
        for i in range(T)
        if 1 + (i * 13 + 5) % M != 1 + (i % T) % M
    ))  # fmt: skip
    timed("sources", Source, (
        {"id": s, "url": f"{base_url}/feeds/{s:05d}.xml", "title": f"Site {s}",
         "site_url": f"https://site{s}.example/", "feed_format": "rss",
         "next_fetch_at": now + timedelta(days=30), "created_at": now - year}
        for s in range(1, S + 1)
    ))  # fmt: skip

    def follows() -> Iterator[dict[str, Any]]:
        pk = 0
        for s in range(1, S + 1):
            for t in (topic_of_source(s, T), second_topic(s, T)):
                if t is not None:
                    pk += 1
                    yield {"id": pk, "topic_id": t, "source_id": s}

    timed("follows", TopicSource, follows())

    def source_of(e: int) -> int:
        return 1 + (e - 1) % S

    def fetched(e: int) -> datetime:
        # Spread over the last year, newest last, as a year of fetching leaves them.
        return now - year + year * (e / (E + 1))

    def entries() -> Iterator[dict[str, Any]]:
        for e in range(1, E + 1):
            s = source_of(e)
            at = fetched(e)
            yield {
                "id": e, "source_id": s, "key": f"{e:x}", "guid": f"https://site{s}.example/g/{e}",
                "url": f"https://site{s}.example/a/{e}",
                "canonical_url": f"site{s}.example/a/{e}",
                "title": words(rng, 7).capitalize(), "summary": words(rng, 30),
                "language": "en" if e % 3 else "fr", "fingerprint": rng.getrandbits(63),
                "suggested_at": at, "enriched_at": at, "published_at": at, "fetched_at": at,
            }  # fmt: skip

    timed("entries", Entry, entries())
    timed("stories", Story, (
        {"id": k, "first_seen": fetched(2 * k - 1), "last_seen": fetched(2 * k), "size": 2,
         "created_at": fetched(2 * k - 1)}
        for k in range(1, (E + 1) // 2 + 1)
    ))  # fmt: skip
    timed("story members", StoryMember, (
        {"id": e, "entry_id": e, "story_id": (e + 1) // 2, "reason": "new" if e % 2 else "near",
         "seen_at": fetched(e), "joined_at": fetched(e),
         "canonical_url": f"site{source_of(e)}.example/a/{e}"}
        for e in range(1, E + 1)
    ))  # fmt: skip
    # A pool of unit vectors, reused: their values do not change the cost of storing or
    # reading them, and drawing two million would take longer than the rest.
    pool: list[bytes] = []
    for _ in range(512):
        v = np.random.default_rng(len(pool)).standard_normal(512).astype(np.float32)
        pool.append(embedding.to_bytes(v / np.linalg.norm(v)))
    timed("vectors", EntryVector, (
        {"entry_id": e, "encoder": embedding.ENCODER, "vector": pool[e % len(pool)],
         "created_at": fetched(e)}
        for e in range(1, E + 1)
    ))  # fmt: skip
    step = max(E // n["pending"], 1)
    # Checked by the automation rules when they were made, as on a running instance: the
    # rules stage would otherwise work through half a million old suggestions before the
    # stream's. (Topics' ranking models are left to train: every topic stale at once, as
    # after an upgrade, while the stream flows.)
    timed("pending suggestions", Suggestion, (
        {"id": i + 1, "topic_id": topic_of_source(source_of(e), T), "entry_id": e,
         "score": rng.random(), "reasons": {}, "status": "pending", "created_at": fetched(e),
         "rules_checked_at": fetched(e)}
        for i, e in enumerate(range(E, 0, -step)) if i < n["pending"]
    ))  # fmt: skip
    scoop_step = max(E // n["scoops"], 1)
    scoops_of: dict[int, list[int]] = {}

    def scoops() -> Iterator[dict[str, Any]]:
        for i in range(n["scoops"]):
            e = min(1 + i * scoop_step + 1, E)
            t = topic_of_source(source_of(e), T)
            scoops_of.setdefault(t, []).append(i + 1)
            at = fetched(e)
            title = words(rng, 8).capitalize()
            yield {
                "id": i + 1, "topic_id": t, "curator_id": 1 + (t - 1) % M, "entry_id": e,
                "url": f"https://site{source_of(e)}.example/a/{e}",
                "canonical_url": f"site{source_of(e)}.example/a/{e}", "title": title,
                "excerpt": words(rng, 25), "insight": words(rng, 20),
                "insight_html": f"<p>{words(rng, 20)}</p>", "status": "published",
                "published_at": at, "created_at": at, "updated_at": at,
            }  # fmt: skip

    timed("scoops", Scoop, scoops())
    today = now.date()
    everyone = [pk for pks in scoops_of.values() for pk in pks][:50]

    def daily() -> Iterator[dict[str, Any]]:
        pk = 0
        for t in range(1, T + 1):
            shown = scoops_of.get(t, [])
            shown = shown if len(shown) >= 5 else shown + everyone[: 5 - len(shown)]
            for d in range(1, args.analytics_days + 1):
                for topic_id, day, kind, key, value in _daily_rows(
                    t, today - timedelta(days=d), shown, rng
                ):
                    pk += 1
                    yield {"id": pk, "topic_id": topic_id, "day": day, "kind": kind,
                           "key": key, "value": value}  # fmt: skip

    timed("analytics daily rows", DailyCount, daily())
    timed("rollup days", RollupDay, (
        {"id": d, "day": today - timedelta(days=d), "done_at": now}
        for d in range(1, args.analytics_days + 1)
    ))  # fmt: skip
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["vacuum analyze"] = time.perf_counter() - began
    return timings


# ---------------------------------------------------------------------------- live feeds


class LiveFeeds:
    """The feeds that keep publishing: ``publish(k)`` adds ``k`` new items spread over the
    live feeds, rewrites their files (atomically: nginx never serves half a file) and marks
    their sources due, as their poll interval coming due would."""

    def __init__(self, root: Path, source_ids: list[int]) -> None:
        self.root = root
        self.rng = random.Random(7)
        self.sentences = load_sentences()
        self.feeds = {s: build_feed(s, 0, self.rng, self.sentences, []) for s in source_ids}
        self.published: dict[int, int] = dict.fromkeys(source_ids, 0)
        self.lock = threading.Lock()
        self.cursor = 0
        # In every item's id: a run on a database kept from an earlier run (--reuse) must
        # not publish ids already stored (they would never count as new).
        self.run = f"{time.time_ns():x}"
        (root / "feeds").mkdir(parents=True, exist_ok=True)
        for s in source_ids:
            self._write(s)

    def _item(self, s: int) -> Item:
        feed = self.feeds[s]
        n = self.published[s]
        title = _title(self.rng, self.sentences[feed.language])
        when = datetime.now(UTC)
        return Item(
            guid=f"{feed.site}/live/{s}-{self.run}-{n}", title=title,
            link=f"{feed.site}/live/{s}-{self.run}-{n}.html",
            html=_html(self.rng, self.sentences[feed.language], feed.site, 600), author="Desk",
            categories=["News"], published=when, updated=when,
        )  # fmt: skip

    def _write(self, s: int) -> None:
        path = self.root / "feeds" / f"{s:05d}.xml"
        part = path.with_suffix(".part")
        feed = self.feeds[s]
        text = (
            render_rss(feed, self.rng)
            if feed.items
            else (
                '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                f"<title>{feed.index}</title><link>{feed.site}/</link><description/>"
                "</channel></rss>\n"
            )
        )  # nothing published yet
        part.write_text(text, encoding="utf-8")
        part.rename(path)

    def publish(self, k: int, sources: list[int] | None = None) -> list[int]:
        from florilege.sources.models import Source

        ids = sources or list(self.feeds)
        touched: list[int] = []
        with self.lock:
            for _ in range(k):
                s = ids[self.cursor % len(ids)]
                self.cursor += 1
                self.feeds[s].items.insert(0, self._item(s))
                del self.feeds[s].items[LIVE_ITEMS:]
                self.published[s] += 1
                touched.append(s)
            for s in set(touched):
                self._write(s)
        # A feed already due stays due since the moment it came due: its place in the
        # queue (oldest first) and the lag measured are those of a poll that came due.
        now = datetime.now(UTC)
        Source.objects.filter(pk__in=set(touched), next_fetch_at__gt=now).update(next_fetch_at=now)
        return touched

    def total(self) -> int:
        return sum(self.published.values())


# ---------------------------------------------------------------------------------- hosts


@dataclass
class Host:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self) -> None:
        Path(self.env["FLORILEGE_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.command, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def rss_mb(self) -> float:
        """Resident memory of the host's whole process tree (granian's workers too)."""
        if not self.proc or self.proc.poll() is not None:
            return 0.0
        total = 0
        for pid in tree(self.proc.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024


def tree(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child in children.get(pid, []):
            found.add(child)
            frontier.append(child)
    return found


POOLS = {
    "fetch": "websub,fetch,full_text",
    "enrich": "enrich,suggest,rules,train,pictures",
    "federation": "inbox,deliver,webhooks,tasks,digest,hub_ping,publish_due,desk_digest,"
    "analytics_views,analytics_rollup",
}


def make_hosts(env: dict[str, str], tmp: Path, ports: Ports) -> dict[str, Host]:
    python = sys.executable
    hosts: dict[str, Host] = {}
    for n in (0, 1):
        name = f"web{n + 1}"
        hosts[name] = Host(name, [
            python, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
            "--port", str(ports.web(n)), "--workers", "1", "--blocking-threads", "4", "--no-ws",
            "florilege.wsgi:application",
        ], env | {"FLORILEGE_DATA_DIR": str(tmp / name)}, tmp / f"{name}.log")  # fmt: skip
    for pool, stages in POOLS.items():
        copies = 2 if pool == "fetch" else 1
        for n in range(copies):
            name = f"{pool}{n + 1}"
            hosts[name] = Host(
                name,
                [python, "manage.py", "worker", "--stages", stages],
                env | {"FLORILEGE_DATA_DIR": str(tmp / name)},
                tmp / f"{name}.log",
            )
    return hosts


def prepare_web_host(host: Host) -> None:
    """What ``manage.py serve`` does before starting granian: static files in its folder."""
    Path(host.env["FLORILEGE_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO, env=host.env, check=True,
    )  # fmt: skip


def wait_http(url: str, timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} never answered")


# ---------------------------------------------------------------------------- measurement


@dataclass
class Samples:
    values: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.values.setdefault(key, []).append(value)

    def p(self, key: str, q: float = 0.95) -> float:
        data = sorted(self.values.get(key, []))
        if not data:
            return float("nan")
        return data[min(int(q * len(data)), len(data) - 1)]

    def median(self, key: str) -> float:
        data = self.values.get(key, [])
        return statistics.median(data) if data else float("nan")


def stage_lag(name: str) -> float:
    from florilege.jobs import registry

    now = datetime.now(UTC)
    lag = registry.get(name).backlog(now).lag(now)
    return lag.total_seconds() if lag else 0.0


def backlog_due(name: str) -> int:
    from florilege.jobs import registry

    return registry.get(name).backlog(datetime.now(UTC)).due


class Load:
    """One reader at a time, alternating the two web hosts: each page's latency."""

    def __init__(self, ports: Ports, session: str, token: str, redis_db: int, topics: int):
        import httpx
        import redis

        self.bases = [f"http://127.0.0.1:{ports.web(n)}" for n in (0, 1)]
        self.anon = httpx.Client(timeout=60)
        self.curator = httpx.Client(timeout=60, cookies={"sessionid": session})
        self.api = httpx.Client(timeout=60, headers={"Authorization": f"Bearer {token}"})
        # The addresses below repeat from one run to the next: start from an empty cache.
        redis.Redis(host="127.0.0.1", port=6379, db=redis_db).flushdb()
        self.topics = topics
        self.turn = 0
        self.turn_counter = 0
        self.rng = random.Random(3)

    def _get(self, samples: Samples, key: str, client: Any, path: str) -> None:
        base = self.bases[self.turn % 2]
        self.turn += 1
        began = time.perf_counter()
        try:
            response = client.get(base + path)
            ok = response.status_code == 200
        except Exception:
            ok = False
        if ok:
            samples.add(key, (time.perf_counter() - began) * 1000)
        else:
            samples.errors[key] = samples.errors.get(key, 0) + 1

    def round(self, samples: Samples) -> None:
        """One request of each kind; the curator works on topic 1 (the curator's own)."""
        slug = f"topic-{self.rng.randint(1, self.topics)}"
        self._get(samples, "queue", self.curator, "/curate/t/topic-1/")
        # Uncached: an address no process has seen (the cache keys on the full path, and
        # each web process keeps the pages it served in memory in front of Redis); cached:
        # the same address again, on the other host, so from Redis.
        self.turn_counter += 1
        fresh = f"/t/{slug}/?bench={self.turn_counter}"
        self._get(samples, "topic uncached", self.anon, fresh)
        self._get(samples, "topic cached", self.anon, fresh)
        query = search_query(self.rng)
        self._get(samples, "site search", self.anon, f"/search/?q={query}")
        self._get(samples, "audience", self.curator, "/curate/t/topic-1/audience/")
        self._get(samples, "api queue", self.api, "/api/v1/topics/topic-1/suggestions")


def login_session() -> str:
    """A session of the curator, in the database every host reads."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="curator"))
    return client.cookies["sessionid"].value


def api_token() -> str:
    from django.contrib.auth import get_user_model

    from florilege.api import tokens

    user = get_user_model().objects.get(username="curator")
    return tokens.create(user, "scale bench", "read", 30, datetime.now(UTC)).raw


def entries_of(sources: list[int], run: str) -> int:
    from florilege.sources.models import Entry

    # This run's items only: a kept database (--reuse) holds an earlier run's too.
    return Entry.objects.filter(source_id__in=sources, guid__contains=f"-{run}-").count()


def cpu_ticks(pids: Iterable[int]) -> dict[int, int]:
    """User and system CPU ticks used so far by each of ``pids`` still running."""
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def cpu_between(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds used between two snapshots: a process found only in the second counts
    from nothing (it started meanwhile); one gone by then is left out, never subtracted."""
    used = sum(t - before.get(pid, 0) for pid, t in after.items())
    return used / os.sysconf("SC_CLK_TCK")


def database_processes() -> set[int]:
    """PostgreSQL's own processes (WAL writer, checkpointer...) and the backends of this
    database, not other clients', nor the bench's own connection (asked to the server: a
    backend's process title does not always say its database)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND "
            "(datname = current_database() OR backend_type NOT IN "
            "('client backend', 'parallel worker'))"
        )
        return {row[0] for row in cursor.fetchall()}


def processes_named(name: str) -> set[int]:
    found = set()
    for entry in Path("/proc").glob("[0-9]*/comm"):
        try:
            if entry.read_text().strip() == name:
                found.add(int(entry.parent.name))
        except OSError:
            continue
    return found


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy so far (/proc/stat): ours and
    anything else running."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(v) for v in fields]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class FetchRun:
    """One fetch measurement: entries stored per second, and the CPU it took meanwhile,
    in cores (CPU seconds per wall second) of the workers, the database and nginx, and of
    the whole machine (other work included)."""

    rate: float
    workers: float
    database: float
    nginx: float
    machine: float

    @property
    def cores(self) -> float:
        return self.workers + self.database + self.nginx

    def second_worker_bound(self, cores: int) -> float:
        """The most a second worker can add: at most as much again, and no more than the
        cores this run left idle allow at this run's CPU per entry."""
        if self.cores <= 0:
            return float("nan")
        idle = max(0.0, cores - self.machine)
        return 1.0 + min(1.0, idle / self.cores)


def fetch_rate(feeds: LiveFeeds, hosts: list[Host], sources: list[int], items: int) -> FetchRun:
    """Entries stored per second by ``hosts`` (fetch workers) from ``items`` new ones, and
    the cores the fetching kept busy (the workers', the database's and nginx's CPU time
    over the same wall time: what bounds the gain of a second worker on this machine)."""
    before = entries_of(sources, feeds.run)
    for host in hosts:
        host.start()
    time.sleep(8)  # Django's start-up is not fetching

    def snapshot() -> list[dict[int, int]]:
        workers = {pid for host in hosts if host.proc for pid in tree(host.proc.pid)}
        return [cpu_ticks(workers), cpu_ticks(database_processes()),
                cpu_ticks(processes_named("nginx"))]  # fmt: skip

    cpu, machine = snapshot(), machine_busy_seconds()
    began = time.perf_counter()
    feeds.publish(items, sources)
    deadline = began + 600
    # The rate is timed from the first entry stored: until then the workers wait for their
    # next look for due feeds (up to FLORILEGE_WORKER_IDLE_SECONDS, the same for one worker
    # or two), which is not fetching. Once one worker stored 1,400 entries a second, that
    # wait was a third of a 4,000-entry run and hid the second worker's gain.
    # The CPU is read over the same span.
    first = 0
    while (count := entries_of(sources, feeds.run)) < before + items:
        if not first and count > before:
            first, began = count - before, time.perf_counter()
            cpu, machine = snapshot(), machine_busy_seconds()
        if time.perf_counter() >= deadline:
            break
        time.sleep(0.1)
    elapsed = time.perf_counter() - began
    stored = entries_of(sources, feeds.run) - before - first
    # Read before the stop: a process gone takes its CPU time with it.
    used, machine = snapshot(), machine_busy_seconds() - machine
    for host in hosts:
        host.kill(signal.SIGTERM)
    busy = [cpu_between(was, now) / elapsed for was, now in zip(cpu, used, strict=True)]
    workers, database, nginx = busy
    return FetchRun(stored / elapsed, workers, database, nginx, machine / elapsed)


def errors_in(log: Path) -> int:
    text = log.read_text(errors="replace") if log.exists() else ""
    return len(re.findall(r"Traceback|\bERROR\b|level=error", text))


def stream(feeds: LiveFeeds, rate: float, stop: threading.Event) -> None:
    """``rate`` new items a second, by the clock (a slow tick is made up at the next)."""
    carried = 0.0
    last = time.monotonic()
    while not stop.is_set():
        now = time.monotonic()
        carried += rate * (now - last)
        last = now
        whole = int(carried)
        carried -= whole
        if whole:
            feeds.publish(whole)
        stop.wait(max(0.0, 1.0 - (time.monotonic() - now)))


def sample_lags(stop: threading.Event, lags: Samples, label: str) -> None:
    """The age of the oldest due item of fetch and suggest, every 5 s (its own thread: a
    slow count must not slow the stream)."""
    while not stop.is_set():
        lags.add(f"{label} fetch", stage_lag("fetch"))
        lags.add(f"{label} suggest", stage_lag("suggest"))
        stop.wait(5.0)


def database_size(database: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(%s)", [database])
        return int(cursor.fetchone()[0])


def row_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        out = {}
        for table in ("sources_entry", "suggestions_suggestion", "suggestions_entryvector",
                      "suggestions_story", "curation_scoop", "analytics_dailycount"):  # fmt: skip
            cursor.execute(f"SELECT count(*) FROM {table}")
            out[table] = int(cursor.fetchone()[0])
    return out


def retention(args: argparse.Namespace) -> dict[str, Any]:
    """The retention stage's own sweep, cycle after cycle, on the generated year."""
    from django.conf import settings
    from django.db import connection

    from florilege.curation.services import retention as service

    settings.CONFIG = replace(settings.CONFIG, RETAIN_ENTRIES_DAYS=args.retain_days)
    before = database_size(args.database)
    rows_before = row_counts()
    began = time.perf_counter()
    swept = cycles = 0
    finished = False
    while time.perf_counter() - began < args.retention_seconds:
        done = service.sweep(datetime.now(UTC))
        cycles += 1
        swept += done.entries
        if done.total == 0:
            finished = True
            break
    elapsed = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "before_mb": before / 1e6, "after_mb": database_size(args.database) / 1e6,
        "entries_removed": swept, "cycles": cycles, "seconds": elapsed, "finished": finished,
        "rows_before": rows_before, "rows_after": row_counts(),
    }  # fmt: skip


# ------------------------------------------------------------------------------------ run


def start_moto(port: int, tmp: Path) -> subprocess.Popen[bytes]:
    binary = Path(sys.executable).parent / "moto_server"
    log = (tmp / "moto.log").open("ab")
    proc = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    wait_http(f"http://127.0.0.1:{port}/", 60)
    import boto3

    boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
        aws_access_key_id="bench-key", aws_secret_access_key="bench-secret",
    ).create_bucket(Bucket=BUCKET)  # fmt: skip
    return proc


def run(args: argparse.Namespace, tmp: Path) -> None:
    n = counts(args.scale, args.topics)
    ports = Ports(args.port_base)
    env = shared_env(args, tmp, secrets.token_urlsafe(50))
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    print(f"machine: nproc={os.cpu_count()}; sizes at --scale {args.scale}: {n}", flush=True)
    timings: dict[str, float] = {}
    base_url = f"http://127.0.0.1:{ports.nginx}"
    if not args.reuse:
        recreate_database(args)
        began = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env,
                       check=True)  # fmt: skip
        timings["migrate"] = time.perf_counter() - began
        began = time.perf_counter()
        timings |= generate(args, n, base_url)
        timings["generation total"] = time.perf_counter() - began
    connection.close()
    generated_mb = database_size(args.database) / 1e6
    rows = row_counts()
    print(f"generated: {rows}; database {generated_mb:,.0f} MB", flush=True)
    print("generation (COPY): " + "; ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    if args.generate_only:
        return

    live = list(range(1, min(args.live_feeds, n["sources"]) + 1))
    feeds = LiveFeeds(tmp / "www", live)
    moto = start_moto(ports.s3, tmp)
    hosts = make_hosts(env, tmp, ports)
    results: dict[str, Any] = {"timings": timings, "generated_mb": generated_mb}
    try:
        with Nginx(tmp / "www", tmp / "nginx") as served:
            if served != base_url:  # Nginx picks its own free port: point the sources at it
                from florilege.sources.models import Source

                for s in live:
                    Source.objects.filter(pk=s).update(url=f"{served}/feeds/{s:05d}.xml")
            results |= measure(args, n, feeds, hosts, ports, live)
    finally:
        for host in hosts.values():
            host.kill()
        moto.terminate()
        moto.wait()
    results["retention"] = retention(args)
    report(args, n, results, hosts)
    if args.drop:
        connection.close()
        psql(args, f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")


def measure(
    args: argparse.Namespace,
    n: dict[str, int],
    feeds: LiveFeeds,
    hosts: dict[str, Host],
    ports: Ports,
    live: list[int],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # Two fetch workers against one, each on its own half of the live feeds.
    half = len(live) // 2
    if args.speedup_items > half * LIVE_ITEMS:
        # A feed keeps its newest LIVE_ITEMS: more would push items out before any fetch.
        raise SystemExit(f"--speedup-items is at most {half * LIVE_ITEMS} with these feeds")
    print("  fetch: one worker …", file=sys.stderr, flush=True)
    one = fetch_rate(feeds, [hosts["fetch1"]], live[:half], args.speedup_items)
    print("  fetch: two workers …", file=sys.stderr, flush=True)
    pair = [hosts["fetch1"], hosts["fetch2"]]
    two = fetch_rate(feeds, pair, live[half:], args.speedup_items)
    # The ceiling of this machine: a second worker can at most double the rate, and can
    # only use the cores the first left idle (its database backend and nginx included).
    bound = one.second_worker_bound(os.cpu_count() or 1)
    out |= {
        "fetch_1w": one.rate,
        "fetch_2w": two.rate,
        "speedup": two.rate / one.rate if one.rate else float("nan"),
        "fetch_runs": (one, two),
        "speedup_bound": bound,
    }

    for name in ("web1", "web2"):
        prepare_web_host(hosts[name])
    for host in hosts.values():
        host.start()
    for n_web in (0, 1):
        wait_http(f"http://127.0.0.1:{ports.web(n_web)}/t/topic-1/")
    load = Load(ports, login_session(), api_token(), args.redis_db, n["topics"])
    samples, lags = Samples(), Samples()
    stop = threading.Event()
    feeder = threading.Thread(target=stream, args=(feeds, args.rate, stop))
    sampler = threading.Thread(target=sample_lags, args=(stop, lags, "warm"))
    published_before = feeds.total()
    began = time.monotonic()
    feeder.start()
    sampler.start()
    try:
        time.sleep(20)  # the workers reach their pace before anything is timed
        while time.monotonic() - began < args.warm_minutes * 60:
            load.round(samples)
        out["warm_published"] = feeds.total() - published_before
        out["warm_seconds"] = time.monotonic() - began
        # The soak: memory at its start and end, one worker of each pool killed halfway.
        rss_start = {name: h.rss_mb() for name, h in hosts.items()}
        soak_began = time.monotonic()
        killed = False
        soak = Samples()
        while time.monotonic() - soak_began < args.soak_minutes * 60:
            load.round(soak)
            if not killed and time.monotonic() - soak_began > args.soak_minutes * 30:
                for name in ("fetch1", "enrich1", "federation1"):
                    hosts[name].kill(signal.SIGKILL)
                    hosts[name].restarts += 1
                    hosts[name].start()
                killed = True
            time.sleep(0.5)
        rss_end = {name: h.rss_mb() for name, h in hosts.items()}
    finally:
        stop.set()
        feeder.join()
        sampler.join()
    # Drain: what was published is fetched, enriched and scored. A feed written while its
    # fetch was under way is only read at its next poll: one more poll of every live feed.
    from florilege.sources.models import Source

    time.sleep(5)
    Source.objects.filter(pk__in=live).update(next_fetch_at=datetime.now(UTC))
    drain_began = time.monotonic()
    while time.monotonic() - drain_began < args.drain_seconds:
        busy = backlog_due("fetch") or backlog_due("enrich") or backlog_due("suggest")
        if not busy and entries_of(live, feeds.run) >= feeds.total():
            break
        time.sleep(2)
    out["drain_seconds"] = time.monotonic() - drain_began
    out |= {"samples": samples, "lags": lags, "soak": soak, "rss_start": rss_start,
            "rss_end": rss_end, "published": feeds.total()}  # fmt: skip
    out["checks"] = consistency(feeds, n["topics"])
    return out


def consistency(feeds: LiveFeeds, topics: int) -> dict[str, int]:
    """Every published item stored once, and scored once for every topic following it."""
    from django.db.models import Count

    from florilege.sources.models import Entry
    from florilege.suggestions.models import Suggestion

    # This run's items, not an earlier run's (--reuse).
    live = Entry.objects.filter(guid__contains=f"-{feeds.run}-")
    stored = live.count()
    distinct = live.values("guid").distinct().count()
    duplicates = (
        Suggestion.objects.filter(entry__in=live)
        .values("topic_id", "entry_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    expected = 0
    for s, published in feeds.published.items():
        followers = 1 + (second_topic(s, topics) is not None)
        expected += published * followers
    scored = Suggestion.objects.filter(entry__in=live).count()
    unsuggested = live.filter(suggested_at__isnull=True).count()
    return {
        "published": feeds.total(), "stored": stored, "distinct_guids": distinct,
        "suggestions_expected": expected, "suggestions": scored,
        "suggestion_duplicates": duplicates, "not_yet_suggested": unsuggested,
    }  # fmt: skip


def fmt(value: float) -> str:
    return "n/a" if value != value else f"{value:,.1f}"


def report(args: argparse.Namespace, n: dict[str, int], r: dict[str, Any], hosts: dict) -> None:
    s, soak, lags = r["samples"], r["soak"], r["lags"]
    print()
    print(f"instance (--scale {args.scale}): " + ", ".join(f"{k} {v:,}" for k, v in n.items()))
    if r["timings"]:
        print("generation (COPY): " + "; ".join(f"{k} {v:.1f}s" for k, v in r["timings"].items()))
    print(f"database after generation: {r['generated_mb']:,.0f} MB")
    print()
    rows = [("measure", "p50", "p95", "n", "errors")]
    for key in ("queue", "topic uncached", "topic cached", "site search", "audience",
                "api queue"):  # fmt: skip
        rows.append((f"{key} (ms)", fmt(s.median(key)), fmt(s.p(key)),
                     str(len(s.values.get(key, []))), str(s.errors.get(key, 0))))  # fmt: skip
    for key in ("warm fetch", "warm suggest"):
        rows.append((f"lag {key.split()[1]} (s)", fmt(lags.median(key)), fmt(lags.p(key)),
                     str(len(lags.values.get(key, []))), ""))  # fmt: skip
    for key in ("queue", "topic uncached", "site search"):
        rows.append((f"soak {key} (ms)", fmt(soak.median(key)), fmt(soak.p(key)),
                     str(len(soak.values.get(key, []))), str(soak.errors.get(key, 0))))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                        for j, (c, w) in enumerate(zip(row, widths, strict=True))))  # fmt: skip
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print()
    rate = r["warm_published"] / r["warm_seconds"] if r["warm_seconds"] else 0
    minutes, drain = r["warm_seconds"] / 60, r["drain_seconds"]
    print(
        f"stream: {rate:.1f} new entries/s published during the measured {minutes:.1f} min; "
        f"drain after the soak {drain:.0f} s"
    )
    print(f"fetch: one worker {r['fetch_1w']:.1f} entries/s, two {r['fetch_2w']:.1f} entries/s "
          f"({r['speedup']:.2f}x)")  # fmt: skip
    for label, run in zip(("one worker", "two workers"), r["fetch_runs"], strict=True):
        print(f"  {label}: {run.cores:.2f} cores busy fetching (workers {run.workers:.2f}, "
              f"database {run.database:.2f}, nginx {run.nginx:.2f}); the machine "
              f"{run.machine:.2f} busy in all")  # fmt: skip
    print(f"  on {os.cpu_count()} cores, with what the first worker left idle, a second one "
          f"could reach at most {r['speedup_bound']:.2f}x")  # fmt: skip
    growth = {}
    for name in hosts:
        start, end = r["rss_start"].get(name, 0), r["rss_end"].get(name, 0)
        growth[name] = (end - start) / start if start else float("nan")
        print(f"  rss {name}: {start:.0f} -> {end:.0f} MB (restarts {hosts[name].restarts})")
    # The killed workers restart from nothing: their growth says nothing about a leak.
    steady = [g for name, g in growth.items() if hosts[name].restarts == 0 and g == g]
    worst = max(steady) if steady else float("nan")
    errors = {name: errors_in(h.log) for name, h in hosts.items()}
    print(f"  errors in host logs: {errors}")
    print(f"  checks: {r['checks']}")
    ret = r["retention"]
    print(
        f"retention ({args.retain_days} days): {ret['entries_removed']:,} entries removed in "
        f"{ret['cycles']} cycles, {ret['seconds']:.0f} s, "
        f"{'finished' if ret['finished'] else 'stopped at the cap'}; database "
        f"{ret['before_mb']:,.0f} MB -> {ret['after_mb']:,.0f} MB (after VACUUM; the space "
        f"is reused, not returned)\n  rows before {ret['rows_before']}\n  rows after  "
        f"{ret['rows_after']}"
    )
    lag = max(lags.p("warm fetch"), lags.p("warm suggest"))
    print(
        f"summary queue_p95_ms={s.p('queue'):.0f} topic_p95_ms={s.p('topic uncached'):.0f} "
        f"topic_cached_p95_ms={s.p('topic cached'):.1f} search_p95_ms={s.p('site search'):.0f} "
        f"audience_p95_ms={s.p('audience'):.0f} api_queue_p95_ms={s.p('api queue'):.0f} "
        f"lag_p95_s={lag:.0f} fetch_speedup_2w={r['speedup']:.2f} "
        f"fetch_speedup_bound={r['speedup_bound']:.2f} "
        f"soak_rss_growth={worst:.3f} errors={sum(errors.values())} scale={args.scale}"
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    usage = shutil.disk_usage(tempfile.gettempdir())
    # About 2.5 KB per entry at full scale (vector, story, row, indexes), counted twice.
    need = 2 * 2500 * counts(args.scale, args.topics)["entries"]
    if usage.free < need:
        raise SystemExit(f"not enough disk: {usage.free / 1e9:.1f} GB free, ~{need / 1e9:.1f} GB")
    tmp = Path(tempfile.mkdtemp(prefix="florilege-scale-"))
    try:
        run(args, tmp)
    finally:
        if args.keep:
            print(f"  kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
