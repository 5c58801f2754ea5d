"""The enrichment pool's stages on an instance with many topics, timed batch by batch.

    python -m bench.suggest_topics --scale 0.02 --topics 1000 --new 500 [--reuse]

Generates (unless ``--reuse``) the scale bench's instance in its own database (``--scale``,
``--topics``, ``--analytics-days`` as ``bench.scale`` reads them, database
``fl_scale_topics``), stores ``--new`` entries on its first ``--live-feeds`` sources as
ingest leaves them (not yet enriched nor suggested, with real text from the corpus), then
runs ``--cycles`` cycles of the enrichment pool's stages in this process, as
``manage.py worker --stages`` would, and prints per stage: items done and seconds, the
entries suggested per second, and whether the stage's status row was written. A stack dump
every ``--dump-seconds`` (faulthandler) shows where a long cycle sits; ``--profile FILE``
writes a cProfile of the cycles.
"""

from __future__ import annotations

import argparse
import cProfile
import faulthandler
import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

from bench import scale
from bench.feedgen import _html, _title, load_sentences

POOL = "enrich,suggest,rules,train,pictures"


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, argparse.Namespace]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.02)
    p.add_argument("--topics", type=int, default=1000)
    p.add_argument("--analytics-days", type=int, default=7)
    p.add_argument("--database", default="fl_scale_topics")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--redis-db", type=int, default=4)
    p.add_argument("--reuse", action="store_true", help="keep an already generated database")
    p.add_argument("--new", type=int, default=500, help="new entries to enrich and suggest")
    p.add_argument("--live-feeds", type=int, default=200, help="sources the new entries go to")
    p.add_argument("--stages", default=POOL, help=f"stages run ({POOL})")
    p.add_argument("--cycles", type=int, default=1, help="cycles at least")
    p.add_argument("--seconds", type=float, default=0, help="cycles until this long at least")
    p.add_argument("--stream", type=float, default=0, help="new entries a second meanwhile")
    p.add_argument("--dump-seconds", type=float, default=0, help="stack dump period (0: none)")
    p.add_argument("--profile", help="write a cProfile of the cycles here")
    args = p.parse_args(argv)
    bench_args = scale.parse_args([
        "--scale", str(args.scale), "--topics", str(args.topics), "--database", args.database,
        "--analytics-days", str(args.analytics_days), "--pg", args.pg,
    ])  # fmt: skip
    return args, bench_args


def setup(args: argparse.Namespace) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "florilege.settings",
        "DATABASE_URL": f"{args.pg}/{args.database}",
        "FLORILEGE_SECRET_KEY": "suggest-topics-bench-" + "x" * 40,
        "FLORILEGE_DATA_DIR": os.environ.get("FLORILEGE_DATA_DIR", "/tmp/fl-suggest-topics"),
        "FLORILEGE_CACHE_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "FLORILEGE_LOG_LEVEL": "INFO",
    }
    os.environ.update(env)
    return env


def store_new(n: int, sources: int, now: datetime, run: str = "") -> list[int]:
    """``n`` entries as ingest stores them: language and fingerprint set, nothing else."""
    from florilege.sources.models import Entry
    from florilege.sources.services.ingest import annotate_all

    rng = random.Random(run)
    sentences = _SENTENCES or _SENTENCES.update(load_sentences()) or _SENTENCES
    run = run or now.strftime("%H%M%S")
    entries = []
    for i in range(n):
        s = 1 + i % sources
        language = "en" if i % 3 else "fr"
        url = f"https://site{s}.example/new/{run}-{i}"
        entries.append(Entry(
            source_id=s, key=f"new-{run}-{i}", guid=url, url=url, canonical_url=url[8:],
            title=_title(rng, sentences[language]),
            summary=_html(rng, sentences[language], f"https://site{s}.example", 600),
            language=language, published_at=now, fetched_at=now,
        ))  # fmt: skip
    annotate_all(entries)
    return [e.pk for e in Entry.objects.bulk_create(entries)]


_SENTENCES: dict[str, list[str]] = {}


def stream(rate: float, sources: int, stop: threading.Event, ids: list[int]) -> None:
    """New entries at ``rate`` a second, as a fetch worker would store them."""
    from django.db import connection
    from django.utils import timezone

    began, k = time.monotonic(), 0
    while not stop.wait(0.5):
        due = int((time.monotonic() - began) * rate) - len(ids)
        if due > 0:
            k += 1
            ids += store_new(due, sources, timezone.now(), f"s{os.getpid()}-{k}")
    connection.close()


def main(argv: list[str] | None = None) -> None:
    args, bench_args = parse_args(argv)
    env = setup(args)
    import django

    django.setup()
    from django.db import connection

    n = scale.counts(args.scale, args.topics)
    print(f"sizes: {n}", flush=True)
    if not args.reuse:
        scale.recreate_database(bench_args)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=scale.REPO,
                       env=os.environ | env, check=True)  # fmt: skip
        scale.generate(bench_args, n, "http://127.0.0.1:9")
        connection.close()

    from django.conf import settings
    from django.utils import timezone

    from florilege.jobs import registry
    from florilege.jobs.models import StageState
    from florilege.jobs.worker import StageRunner
    from florilege.sources.models import Entry
    from florilege.suggestions.models import Suggestion

    # Only what this run stores is left to do: earlier runs' leftovers are marked done.
    Entry.objects.filter(suggested_at__isnull=True).update(suggested_at=timezone.now())
    Entry.objects.filter(enriched_at__isnull=True).update(enriched_at=timezone.now())
    StageState.objects.all().delete()
    # As ``manage.py worker`` runs them (before the time bound, without it).
    budget = getattr(settings.CONFIG, "WORKER_STAGE_SECONDS", None)
    ids = store_new(args.new, min(args.live_feeds, n["sources"]), timezone.now())
    suggestions_before = Suggestion.objects.count()
    print(
        f"stored {len(ids)} new entries; stage budget {budget} s; load average {os.getloadavg()}",
        flush=True,
    )
    if args.dump_seconds:
        faulthandler.dump_traceback_later(args.dump_seconds, repeat=True)
    runner = StageRunner(registry.select(args.stages.split(",")), **(
        {"budget": budget} if budget is not None else {}))  # fmt: skip
    profile = cProfile.Profile() if args.profile else None
    streamed: list[int] = []
    stop = threading.Event()
    feeder = threading.Thread(
        target=stream, args=(args.stream, min(args.live_feeds, n["sources"]), stop, streamed)
    )
    if args.stream:
        feeder.start()
    began, cpu = time.perf_counter(), time.process_time()
    k = total = 0
    while k < args.cycles or time.perf_counter() - began < args.seconds:
        k += 1
        if profile:
            profile.enable()
        started = time.perf_counter()
        report = runner.cycle()
        if profile:
            profile.disable()
        left = Entry.objects.filter(suggested_at__isnull=True).count()
        total += report["suggest"]
        print(f"cycle {k}: {time.perf_counter() - started:.1f} s, done {report.done}, "
              f"failed {report.failed}; at {time.perf_counter() - began:.0f} s: {total} "
              f"suggested, not yet suggested {left}", flush=True)  # fmt: skip
    faulthandler.cancel_dump_traceback_later()
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    stop.set()
    if args.stream:
        feeder.join()
    ids += streamed
    suggested = Entry.objects.filter(pk__in=ids, suggested_at__isnull=False).count()
    rows = dict(StageState.objects.values_list("name", "last_success_at"))
    print(f"topics {n['topics']}: {suggested} of {len(ids)} entries suggested in {wall:.1f} s "
          f"({suggested / wall:.1f} entries/s, CPU {cpu:.1f} s), "
          f"{Suggestion.objects.count() - suggestions_before} suggestions; "
          f"status rows: {sorted(rows)}; load average {os.getloadavg()}", flush=True)  # fmt: skip
    if profile:
        profile.dump_stats(args.profile)
    print(datetime.now(UTC).isoformat(timespec="seconds"))


if __name__ == "__main__":
    main()
