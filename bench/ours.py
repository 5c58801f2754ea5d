"""Florilège's side of the ingest benchmark, run in its own process by ``bench.ingest``.

``python -m bench.ours '<json params>'``: the parent sets FLORILEGE_DATA_DIR and friends.
Phase ``cold`` migrates an empty database, subscribes one topic to every feed and runs the
real worker until nothing is due; phase ``refresh`` makes every source due again and runs
it once more (all 304s). Only the worker loop is timed; the result goes to a JSON file.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.profiling import Profiler, cpu_seconds


class StageClock:
    """Seconds spent in each worker stage, measured by wrapping the worker's own functions.

    The wrappers are installed on module attributes the worker looks up at call time; a
    renamed function is simply not measured (reported as missing), never an error.
    """

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.missing: list[str] = []

    def wrap(self, module: Any, name: str, stage: str) -> None:
        func = getattr(module, name, None)
        if func is None:
            self.missing.append(f"{module.__name__}.{name}")
            return
        setattr(module, name, self._timed(func, stage))

    def wrap_async(self, module: Any, name: str, stage: str) -> None:
        func = getattr(module, name, None)
        if func is None:
            self.missing.append(f"{module.__name__}.{name}")
            return

        @functools.wraps(func)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await func(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - start

        setattr(module, name, timed)

    def _timed(self, func: Callable[..., Any], stage: str) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - start

        return timed


def install_stage_clock() -> StageClock:
    from florilege.sources import worker
    from florilege.sources.services import fetch, ingest

    clock = StageClock()
    clock.wrap_async(worker, "fetch_many", "fetch (network, async)")
    clock.wrap(worker, "lease_due", "lease")
    clock.wrap(fetch, "parse_feed", "parse")
    clock.wrap(fetch, "plan_feed", "prepare (sanitise, canonical URL, match, annotate)")
    clock.wrap(fetch, "apply_plan", "write entries")
    clock.wrap(ingest, "annotate_all", "  of which language + fingerprint")
    clock.wrap(worker, "save_fetch_state", "save source state")
    return clock


def subscribe_all(base_url: str, paths: list[str]) -> None:
    """One curator, one bilingual topic following every generated feed, all due now."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from florilege.sources.models import Source
    from florilege.topics.models import Topic, TopicSource

    user = get_user_model().objects.create_user("bench", "bench@example.org", "bench-password")
    topic = Topic.objects.create(
        title="Climat et énergie / Climate and energy",
        slug="climat-climate",
        owner=user,
        languages=["fr", "en"],
        keywords=["climat", "énergie", "politique", "climate", "energy", "science"],
    )
    past = timezone.now() - timedelta(hours=1)
    sources = Source.objects.bulk_create(
        [Source(url=f"{base_url}/{path}", next_fetch_at=past) for path in paths],
        batch_size=500,
    )
    TopicSource.objects.bulk_create(
        [TopicSource(topic=topic, source=s, added_by=user) for s in sources], batch_size=500
    )


def make_all_due() -> None:
    from django.utils import timezone

    from florilege.sources.models import Source

    Source.objects.update(next_fetch_at=timezone.now() - timedelta(hours=1), leased_until=None)


def run_until_idle(batch: int) -> dict[str, Any]:
    """The ingest stage of the real worker, cycle after cycle, until nothing is due."""
    from django.utils import timezone

    from florilege.jobs.runtime import WorkerRuntime
    from florilege.sources.worker import fetch_cycle

    cycles = fetched = new = 0
    errors: list[str] = []
    # As `manage.py worker` runs it: one event loop and client for the whole process.
    runtime = WorkerRuntime()
    while True:
        report = fetch_cycle(timezone.now(), runtime, batch)
        if not report.fetched:
            break
        cycles += 1
        fetched += report.fetched
        new += report.new_entries
        errors.extend(report.errors)
    return {"cycles": cycles, "fetched": fetched, "new": new, "errors": errors}


def run_workers(batch: int, workers: int) -> dict[str, Any]:
    """``workers`` processes share the sources through the worker's leases (forked after
    the set-up, each with its own database connection); their counts are added up."""
    if workers <= 1:
        return run_until_idle(batch)
    import os

    from django.db import connections

    connections.close_all()
    children = []
    for n in range(workers):
        out = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-worker-{os.getpid()}-{n}.json"
        pid = os.fork()
        if pid == 0:
            try:
                out.write_text(json.dumps(run_until_idle(batch)))
            finally:
                os._exit(0)
        children.append((pid, out))
    total: dict[str, Any] = {"cycles": 0, "fetched": 0, "new": 0, "errors": []}
    for pid, out in children:
        os.waitpid(pid, 0)
        part = json.loads(out.read_text())
        out.unlink()
        for key in ("cycles", "fetched", "new"):
            total[key] += part[key]
        total["errors"] += part["errors"]
    return total


# Words the benchmark's topics are made of (French and English, as the generated feeds).
TOPIC_WORDS = [
    "climat",
    "énergie",
    "politique",
    "santé",
    "économie",
    "école",
    "sport",
    "culture",
    "musique",
    "cinéma",
    "science",
    "recherche",
    "emploi",
    "logement",
    "transport",
    "agriculture",
    "europe",
    "élection",
    "justice",
    "police",
    "climate",
    "energy",
    "politics",
    "health",
    "economy",
    "school",
    "music",
    "film",
    "research",
    "jobs",
    "housing",
    "farming",
    "election",
    "court",
]


def add_topics(count: int, share: float, seed: int) -> int:
    """``count`` more topics, each following a random ``share`` of the sources, with three
    keywords and one or two languages: what the suggestion stage ranks for. Returns the
    topic-source links made."""
    import random

    from django.contrib.auth import get_user_model

    from florilege.sources.models import Source
    from florilege.topics.models import Topic, TopicSource

    rng = random.Random(seed)
    user = get_user_model().objects.get(username="bench")
    source_ids = list(Source.objects.order_by("id").values_list("id", flat=True))
    follow = max(1, round(share * len(source_ids)))
    links = []
    for n in range(count):
        words = rng.sample(TOPIC_WORDS, 3)
        topic = Topic.objects.create(
            title=" ".join(words).capitalize(),
            slug=f"bench-topic-{n}",
            owner=user,
            languages=[["fr"], ["en"], ["fr", "en"]][n % 3],
            keywords=words,
        )
        links += [
            TopicSource(topic=topic, source_id=sid, added_by=user)
            for sid in rng.sample(source_ids, follow)
        ]
    TopicSource.objects.bulk_create(links, batch_size=1000)
    return len(links)


def run_suggest_stage(sample: int, profile: str | None = None) -> dict[str, Any]:
    """The later stages, end to end, on the first ``sample`` stored entries: enrichment
    (sentence vectors, stories) then suggestion (ranking for every topic following their
    source), in the stages' own batch sizes. They run at hundreds to thousands of entries
    a second, so the whole corpus would take longer than the rest of the benchmark; their
    rate is what the "suggest" row reports."""
    from django.utils import timezone

    from florilege.suggestions import services, stories
    from florilege.suggestions.models import Suggestion
    from florilege.suggestions.services import SUGGEST_BATCH, suggest_pending
    from florilege.suggestions.stories import ENRICH_BATCH, enrich_pending

    clock = StageClock()
    clock.wrap(stories, "ensure_vectors", "vectors")
    clock.wrap(stories, "assign_stories", "stories (with vectors)")
    clock.wrap(services, "ensure_vectors", "vectors (suggest: read)")
    clock.wrap(services, "suggest_entries", "ranking (all topics)")
    now = timezone.now()
    enriched = scored = 0
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    with Profiler(profile, cpu=True):
        while enriched < sample:
            done = enrich_pending(now, limit=min(ENRICH_BATCH, sample - enriched))
            enriched += done
            if not done:
                break
        while scored < sample:
            done, _ = suggest_pending(now, limit=min(SUGGEST_BATCH, sample - scored))
            scored += done
            if not done:
                break
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    return {
        "scored": scored,
        "enriched": enriched,
        "wall": wall,
        "cpu": cpu,
        "parts": dict(clock.seconds),
        "suggestions": Suggestion.objects.count(),
    }


def quality() -> dict[str, Any]:
    """What was stored: counts, language coverage, fingerprints, statuses, suggestions."""
    from django.db.models import Q

    from florilege.sources.models import Entry, Source
    from florilege.suggestions.models import Suggestion

    statuses = Source.objects.values_list("last_status", flat=True)
    with_text = Entry.objects.exclude(Q(title="") & Q(summary="") & Q(content=""))
    return {
        "stored": Entry.objects.count(),
        "untagged_with_text": with_text.filter(language="").count(),
        "languages": dict(Counter(Entry.objects.values_list("language", flat=True))),
        "fingerprinted": Entry.objects.exclude(fingerprint=None).count(),
        "distinct_canonical": Entry.objects.values("canonical_url").distinct().count(),
        "statuses": {str(k): v for k, v in Counter(statuses).items()},
        "suggestions": Suggestion.objects.count(),
    }


def main(params: dict[str, Any]) -> dict[str, Any]:
    import django
    from django.core.management import call_command

    django.setup()
    if params["phase"] == "setup":
        # A database for the real worker processes whose memory the benchmark measures.
        call_command("migrate", verbosity=0)
        subscribe_all(params["base_url"], params["paths"])
        links = add_topics(params["topics"], params["topic_share"], params["seed"])
        return {"wall": 0.0, "cpu": 0.0, "stored": 0, "links": links}
    if params["phase"] == "cold":
        call_command("migrate", verbosity=0)
        subscribe_all(params["base_url"], params["paths"])
    else:
        make_all_due()
    from florilege.lib.text.language import detect_language

    # The language model loads on first use: load it before the clock starts (and before
    # the workers fork, so they share its pages), as it was when it loaded at import.
    detect_language("Le modèle de langue est chargé avant la mesure.")
    clock = install_stage_clock()
    profiler = Profiler(params.get("profile"))
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    with profiler:
        outcome = run_workers(params["batch"], params.get("workers", 1))
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    suggest: dict[str, Any] = {}
    if params["phase"] == "cold":
        # Topics are added after the timed ingest, which they would not change anyway
        # (ingest never looks at topics' keywords).
        links = add_topics(params["topics"], params["topic_share"], params["seed"])
        suggest = run_suggest_stage(params["suggest_sample"], params.get("profile_suggest"))
        suggest["links"] = links
    return {
        "wall": wall,
        "cpu": cpu,
        **outcome,
        "errors": outcome["errors"][:5],
        "error_count": len(outcome["errors"]),
        "stages": dict(clock.seconds),
        "stages_missing": clock.missing,
        "suggest": suggest,
        **quality(),
    }


if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    Path(args["result"]).write_text(json.dumps(main(args)))
