"""Speed of the learned ranking: scoring new entries for many topics, and the queue page.

``python -m bench.ranking`` (``make bench-ranking``). Two parts, one table:

* scoring: 10,000 real news texts (AG News test split, BBC, MasakhaNEWS English) with
  features computed once (the timing of that step is its own row), then scored for 100
  topics, each a model trained on 20 decisions with its own keyword rules. The sentence
  vectors are seeded random unit vectors: a product costs the same whatever the values, and
  computing 10,000 real ones would time the encoder, not the ranking. CPU seconds of this
  process; the target is under 10 s. "with reasons" adds the reasons of every entry.
* queue: the curator's suggestion queue page (the real view, through Django's test client)
  with 100,000 pending suggestions in one topic, on SQLite and on PostgreSQL (DATABASE_URL,
  skipped when unset): median and worst of 20 loads of the first page and of page 100, and
  the number of SQL queries, and the median CPU time of the process serving it (the shared
  machine is often busy, which stretches wall times). The target is under 100 ms.

The "before" column is the keyword scoring the app used before (``scoring.baseline_score``,
one Python call per entry and topic), from the same run, for scale.
"""

from __future__ import annotations

import csv
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

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = 10_000
TOPICS = 100
PENDING = 100_000
LOADS = 20
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def news_items():
    from bench.relevance import NEWS, load_bbc, load_masakhane
    from florilege.suggestions.features import Item

    items = []
    with open(NEWS / "agnews" / "test.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            items.append(Item(row["title"], row["description"].replace("\\", " "), "en"))
    items += load_bbc().items + load_masakhane("eng").items
    rng = random.Random(7)
    rng.shuffle(items)
    out = []
    for i, item in enumerate(items[:ENTRIES]):
        published = NOW - timedelta(minutes=rng.randrange(0, 60 * 24 * 7))
        out.append(Item(item.title, item.text, item.language, source=i % 50, published=published))
    return out


def scoring_rows() -> list[tuple[str, str, str]]:
    from bench.relevance import RULES_EN
    from florilege.lib.text.embedding import DIMENSIONS
    from florilege.suggestions import ranker
    from florilege.suggestions.features import featurize
    from florilege.suggestions.rules import parse_rules
    from florilege.suggestions.scoring import baseline_score

    items = news_items()
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((len(items), DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    start = time.process_time()
    features = featurize(items, vectors)
    _ = features.postings, features.word_columns
    featurize_s = time.process_time() - start

    names = sorted(RULES_EN)
    models = []
    for t in range(TOPICS):
        words = RULES_EN[names[t % len(names)]]
        rules = parse_rules([*words[t % 3 :], f"-{words[0]}x"])
        history = rng.choice(len(items), 20, replace=False)
        decisions = [ranker.Decision(kept=bool(k)) for k in rng.integers(0, 2, 20)]
        profile = featurize(
            [ranker.profile_item(names[t % len(names)], "", rules)], vectors[history[:1]]
        )
        models.append(ranker.train(rules, profile, features.subset(history), decisions))

    start = time.process_time()
    for model in models:
        ranker.ranking_values(ranker.score(model, features), features, NOW)
    scoring_s = time.process_time() - start

    start = time.process_time()
    sample = models[:10]
    for model in sample:
        scored = ranker.score(model, features)
        ranker.ranking_values(scored, features, NOW)
        for row in range(len(items)):
            ranker.reasons(model, features, scored, row)
    reasons_s = (time.process_time() - start) * TOPICS / len(sample)

    start = time.process_time()
    sample_items = items[:1000]
    for model in models[:10]:
        keywords = list(model.rules.should)
        for item in sample_items:
            baseline_score(item.title, item.text, keywords, item.published, NOW)
    before_s = (time.process_time() - start) * (TOPICS / 10) * (len(items) / len(sample_items))
    label = f"{ENTRIES:,} entries x {TOPICS} topics"
    return [
        (f"features, once per entry ({ENTRIES:,})", f"{featurize_s:.2f} CPU-s", "-"),
        (f"score {label}", f"{scoring_s:.2f} CPU-s", f"{before_s:.2f} CPU-s (est.)"),
        (f"score {label}, with reasons (est. from 10 topics)", f"{reasons_s:.1f} CPU-s", "-"),
    ]


# --- queue page (child process per database) -------------------------------------------


def queue_child() -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from florilege.sources.models import Entry, Source
    from florilege.suggestions.models import Suggestion
    from florilege.topics.models import Topic, TopicSource

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench", password="bench-password-long")
    topic = Topic.objects.create(title="Bench", slug="bench", owner=user, keywords=["news"])
    source = Source.objects.create(url="https://bench.example/feed", title="Bench feed")
    TopicSource.objects.create(topic=topic, source=source)
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
                reasons={
                    "keywords": ["news"],
                    "parts": {"model": 0.1, "rules": 0.2, "source": 0.0},
                    "decisions": 20,
                    "words": ["story"],
                    "similar": [{"title": "A past scoop", "url": "/x/1/", "similarity": 0.5}],
                },
            )
            for e in entries
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(user)
    out = {"vendor": connection.vendor}
    url = reverse("curation:queue", args=[topic.slug])
    for label, query in (("first page", ""), ("page 100", "?page=100")):
        client.get(url + query)  # warm
        times, cpu = [], []
        for _ in range(LOADS):
            with CaptureQueriesContext(connection) as queries:
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url + query)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200
        out[label] = {
            "median": statistics.median(times),
            "worst": max(times),
            "cpu": statistics.median(cpu),
            "queries": len(queries),
        }
    return out


def run_queue(database_url: str | None) -> dict | None:
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
            PYTHONPATH=str(ROOT),
        )
        if database_url:
            env["DATABASE_URL"] = database_url
        result = subprocess.run(
            [sys.executable, "-m", "bench.ranking", "--queue-child"],
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


BENCH_DATABASE = "florilege_bench_ranking"


def bench_postgres(server_url: str, database: str = BENCH_DATABASE) -> str:
    """A fresh database of the bench's own on the server ``server_url`` points to; returns
    its URL. The database named in ``server_url`` is only connected to, never changed."""
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
    rows = scoring_rows()
    figures = {"score_s": float(rows[1][1].split()[0])}
    # A PostgreSQL server to measure on (the bench makes its own database there).
    server = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL")
    backends = [("sqlite", None)] + ([("postgresql", server)] if server else [])
    for name, server_url in backends:
        url = bench_postgres(server_url) if server_url else None
        result = run_queue(url)
        if result is None:
            rows.append((f"queue page, {name}", "failed (see stderr)", "-"))
            continue
        for label in ("first page", "page 100"):
            r = result[label]
            rows.append(
                (
                    f"queue {label}, {PENDING:,} pending, {name}",
                    f"{r['median']:.1f} ms median, {r['worst']:.1f} ms worst",
                    f"{r['queries']} queries; {r.get('cpu', 0):.1f} ms CPU (this process)",
                )
            )
            figures[f"{name}_{label.replace(' ', '')}_ms"] = r["median"]
    print("| measure | ours | before / note |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    worst_queue = max((v for k, v in figures.items() if k.endswith("_ms")), default=0.0)
    print(
        f"summary score_cpu_s={figures['score_s']:.2f} "
        f"queue_worst_median_ms={worst_queue:.1f} backends={len(backends)}"
    )


if __name__ == "__main__":
    if "--queue-child" in sys.argv:
        print(json.dumps(queue_child()))
    else:
        with threadpool_limits(limits=1):
            main()
