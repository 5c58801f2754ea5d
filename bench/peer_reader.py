"""lemon24/reader's side of the ingest benchmark, run in its own process by ``bench.ingest``.

``python -m bench.peer_reader '<json params>'``. Phase ``cold`` subscribes an empty reader
database to every feed and updates them all; ``refresh`` updates them all again, ignoring
reader's schedule (its conditional GET then gets 304s). Only the update is timed.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.profiling import Profiler, cpu_seconds


def main(params: dict[str, Any]) -> dict[str, Any]:
    from reader import make_reader

    reader = make_reader(params["db"])
    if params["phase"] == "cold":
        for path in params["paths"]:
            reader.add_feed(f"{params['base_url']}/{path}", exist_ok=True)
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    with Profiler(params.get("profile")):
        # scheduled=False: update every feed now, as our side does with next_fetch_at.
        for result in reader.update_feeds_iter(scheduled=False, workers=params["workers"]):
            if isinstance(result.value, Exception):
                outcomes["error"] += 1
                errors.append(f"{result.url}: {result.value!r}")
            elif result.value is None:
                outcomes["not_modified"] += 1
            else:
                outcomes["updated"] += 1
                outcomes["new_entries"] += result.value.new
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    stored = reader.get_entry_counts().total
    reader.close()
    return {
        "wall": wall,
        "cpu": cpu,
        "stored": stored,
        "new": outcomes["new_entries"],
        "outcomes": dict(outcomes),
        "errors": errors[:5],
        "error_count": len(errors),
    }


if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    Path(args["result"]).write_text(json.dumps(main(args)))
