"""Running stages: one cycle of the selected stages, each on its own, each failure kept to
its stage, and a stage that keeps failing left to rest (with a doubling pause) while the
others go on. ``manage.py worker`` loops over :class:`StageRunner`; tests call
:func:`run_cycle` for one synchronous cycle of every stage."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from florilege.jobs import registry
from florilege.jobs.leases import backoff, worker_id
from florilege.jobs.models import StageState
from florilege.jobs.registry import Stage, StageContext
from florilege.jobs.runtime import ClientFactory, Network, default_client

log = logging.getLogger("florilege.worker")
# A failing stage rests 5 s after its first failure, doubling, at most 10 minutes.
FIRST_PAUSE = timedelta(seconds=5)
LONGEST_PAUSE = timedelta(minutes=10)
# A healthy stage's "last success" is written at most this often (one row per stage).
HEARTBEAT = timedelta(seconds=60)


@dataclass
class CycleReport:
    """What one cycle did: items handled per stage, and the stages that failed."""

    done: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def __getitem__(self, stage: str) -> int:
        return self.done.get(stage, 0)

    @property
    def busy(self) -> bool:
        return any(self.done.values())


@dataclass
class _Health:
    failures: int = 0
    resting_until: datetime | None = None
    written_at: datetime | None = None


class StageRunner:
    """Runs the selected stages in pipeline order, one batch each per cycle."""

    def __init__(
        self,
        stages: Iterable[Stage],
        *,
        net: Network | None = None,
        client_factory: ClientFactory = default_client,
        owner: str | None = None,
    ) -> None:
        self.stages = list(stages)
        self.net = net
        self.client_factory = client_factory
        self.owner = owner or worker_id()
        self._health: dict[str, _Health] = {s.name: _Health() for s in self.stages}

    def cycle(self, now: datetime | None = None) -> CycleReport:
        report = CycleReport()
        for stage in self.stages:
            moment = now or timezone.now()
            health = self._health[stage.name]
            if health.resting_until and moment < health.resting_until:
                report.skipped.append(stage.name)
                continue
            ctx = StageContext(moment, self.owner, self.client_factory, self.net)
            started = time.monotonic()
            try:
                done = stage.run(ctx)
            except Exception as exc:
                self._failed(stage, health, exc, moment)
                report.failed[stage.name] = f"{type(exc).__name__}: {exc}"
                continue
            report.done[stage.name] = done
            if ctx.detail is not None:
                report.details[stage.name] = ctx.detail
            self._succeeded(stage, health, moment)
            if done:
                log.info("event=stage_done stage=%s items=%d seconds=%.2f", stage.name, done,
                         time.monotonic() - started)  # fmt: skip
        return report

    def _failed(self, stage: Stage, health: _Health, exc: Exception, now: datetime) -> None:
        health.failures += 1
        pause = backoff(health.failures, FIRST_PAUSE, LONGEST_PAUSE)
        health.resting_until = now + pause
        log.exception(
            "event=stage_failed stage=%s failures=%d resting_seconds=%d",
            stage.name, health.failures, pause.total_seconds(),
        )  # fmt: skip
        message = f"{type(exc).__name__}: {exc}"[:2000]
        _write_state(
            stage.name,
            last_run_at=now,
            last_error=message,
            last_error_at=now,
            failures=health.failures,
            backoff_until=health.resting_until,
            worker=self.owner,
        )
        health.written_at = now

    def _succeeded(self, stage: Stage, health: _Health, now: datetime) -> None:
        recovered = health.failures > 0
        if recovered:
            log.info("event=stage_recovered stage=%s after_failures=%d", stage.name,
                     health.failures)  # fmt: skip
        health.failures, health.resting_until = 0, None
        if recovered or health.written_at is None or now - health.written_at >= HEARTBEAT:
            _write_state(
                stage.name,
                last_run_at=now,
                last_success_at=now,
                failures=0,
                backoff_until=None,
                worker=self.owner,
            )
            health.written_at = now


def _write_state(name: str, **values: object) -> None:
    """Best effort: the status row must never be what stops a stage (the database may be
    the very thing that failed)."""
    try:
        StageState.objects.update_or_create(name=name, defaults=values)
    except Exception:
        log.warning("event=stage_state_unwritable stage=%s", name, exc_info=True)


def run_cycle(
    now: datetime | None = None,
    *,
    client_factory: ClientFactory | None = None,
    runtime: Network | None = None,
    stages: Iterable[str] | None = None,
) -> CycleReport:
    """One synchronous cycle of ``stages`` (every registered stage by default)."""
    runner = StageRunner(
        registry.select(stages), net=runtime, client_factory=client_factory or default_client
    )
    return runner.cycle(now)


def run_until_idle(
    now: datetime | None = None,
    *,
    client_factory: ClientFactory | None = None,
    stages: Iterable[str] | None = None,
    rounds: int = 20,
    clock: Callable[[], datetime] | None = None,
) -> CycleReport:
    """Cycles until no stage has anything left (bounded): what the demo loader and tests
    use to let the pipeline finish what stored entries started."""
    total = CycleReport()
    for _ in range(rounds):
        report = run_cycle(now or (clock() if clock else None), client_factory=client_factory,
                           stages=stages)  # fmt: skip
        for name, done in report.done.items():
            total.done[name] = total.done.get(name, 0) + done
        total.failed.update(report.failed)
        if not report.busy:
            break
    return total
