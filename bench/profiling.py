"""Measuring helpers shared by the benchmark's child processes."""

from __future__ import annotations

import cProfile
import io
import pstats
import resource
import sys
import time
from types import TracebackType


def cpu_seconds() -> float:
    """User + system CPU of this process so far, all threads included, plus the children
    it has waited for (the forked worker processes of ``--workers``)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


class Profiler:
    """cProfile the block when given a path: dump the stats there, print the top to stderr.

    ``cpu=True`` times functions in this process's CPU seconds rather than wall seconds:
    on a shared machine, time spent waiting for a core would otherwise land on whatever
    function was running."""

    def __init__(self, path: str | None, top: int = 35, cpu: bool = False) -> None:
        self.path = path
        self.top = top
        timer = (time.process_time,) if cpu else ()
        self.profile = cProfile.Profile(*timer) if path else None

    def __enter__(self) -> Profiler:
        if self.profile:
            self.profile.enable()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.profile or not self.path:
            return
        self.profile.disable()
        self.profile.dump_stats(self.path)
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            stats = pstats.Stats(self.profile, stream=out).strip_dirs().sort_stats(order)
            stats.print_stats(self.top)
            print(f"--- profile {self.path} by {order} ---\n{out.getvalue()}", file=sys.stderr)
