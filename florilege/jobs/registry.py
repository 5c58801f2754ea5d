"""The stage registry: every kind of background work, declared by the app that owns it.

A stage is a name, the rows it claims (said in words for operators), its batch size, and
two functions: ``run`` does one batch and returns how many items it handled; ``backlog``
counts what is due and finds the oldest due item, for ``worker --list`` and the status
page. Each app lists its stages in its own ``stages.py``, imported at start-up by the
``jobs`` app, which knows no domain app itself.

A stage finds its work from the rows' own state, never from another stage having run
first, and its handler is idempotent, so stages run in any order, in any subset, on any
number of workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from florilege.jobs.leases import worker_id
from florilege.jobs.runtime import ClientFactory, Network, PerCycle, default_client


@dataclass
class StageContext:
    """What a stage's run is given: the clock, who it is, and where network work runs."""

    now: datetime
    owner: str = field(default_factory=worker_id)
    client_factory: ClientFactory = default_client
    net: Network | None = None
    # What the stage wants to say beyond its count (the fetch stage's per-feed report):
    # kept on the cycle's report for callers and tests that look closer.
    detail: object | None = None
    # When the stage's share of the cycle is spent (``time.monotonic``); None: no limit.
    deadline: float | None = None
    # Set when ``more`` said no, or by a stage that stopped at its own bound of batches:
    # it stopped with work left, and its runner knows the pool is behind. (A stage that
    # never asks, such as ``rules`` with one batch a cycle, never says so.)
    cut_short: bool = False

    def more(self) -> bool:
        """Whether a stage that works in batches may start another in this cycle. Each
        batch commits on its own, so stopping between two loses nothing; the stage goes on
        next cycle, after the worker's other stages have had their turn."""
        if self.deadline is None or time.monotonic() < self.deadline:
            return True
        self.cut_short = True
        return False

    @property
    def network(self) -> Network:
        if self.net is None:
            self.net = PerCycle(self.client_factory)
        return self.net


@dataclass(frozen=True)
class Backlog:
    due: int
    oldest: datetime | None = None

    def lag(self, now: datetime) -> timedelta | None:
        """How long the oldest due item has waited."""
        return max(now - self.oldest, timedelta(0)) if self.oldest else None


@dataclass(frozen=True)
class Stage:
    name: str
    app: str
    claims: str  # what rows it takes, in words (docs, --list, status page)
    run: Callable[[StageContext], int]
    backlog: Callable[[datetime], Backlog]
    order: int  # place in an all-stage cycle: the pipeline's order, upstream first
    # Worker process needs the sentence encoder loaded (seconds): warmed before leasing.
    needs_encoder: bool = False
    # Work nobody waits on by the minute (retraining models): in a cycle where a stage
    # before it stopped with work left, it does one item and gives the cycle back, so a
    # thousand stale models do not hold back the stream of new entries behind them.
    yields: bool = False


_STAGES: dict[str, Stage] = {}


class UnknownStage(ValueError):
    pass


def register(stage: Stage) -> Stage:
    existing = _STAGES.get(stage.name)
    if existing is not None and existing != stage:
        raise ValueError(f"stage {stage.name!r} is registered twice")
    _STAGES[stage.name] = stage
    return stage


def all_stages() -> list[Stage]:
    return sorted(_STAGES.values(), key=lambda s: (s.order, s.name))


def select(names: Iterable[str] | None) -> list[Stage]:
    """The named stages in cycle order; every stage when ``names`` is None."""
    if names is None:
        return all_stages()
    wanted = [n.strip() for n in names if n.strip()]
    unknown = sorted(set(wanted) - set(_STAGES))
    if unknown:
        known = ", ".join(s.name for s in all_stages())
        raise UnknownStage(f"unknown stage(s): {', '.join(unknown)} (known: {known})")
    return [s for s in all_stages() if s.name in wanted]


def get(name: str) -> Stage:
    return select([name])[0]
