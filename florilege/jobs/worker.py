"""Running stages: one cycle of the selected stages, each on its own, each failure kept to
its stage, and a stage that keeps failing left to rest (with a doubling pause) while the
others go on. ``manage.py worker`` loops over :class:`WorkerLoop` (the database's health
between cycles, the heartbeat, then a :class:`StageRunner` cycle); tests call
:func:`run_cycle` for one synchronous cycle of every stage."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, close_old_connections, connections
from django.utils import timezone

from florilege.jobs import registry
from florilege.jobs.leases import backoff, worker_id
from florilege.jobs.models import StageState, WorkerBeat
from florilege.jobs.registry import Stage, StageContext
from florilege.jobs.runtime import ClientFactory, Network, default_client

log = logging.getLogger("florilege.worker")
# A failing stage rests 5 s after its first failure, doubling, at most 10 minutes.
FIRST_PAUSE = timedelta(seconds=5)
LONGEST_PAUSE = timedelta(minutes=10)
# A healthy stage's "last success" is written at most this often (one row per stage).
HEARTBEAT = timedelta(seconds=60)
# While the database is unavailable the worker retries after 1 s, doubling, at most 30 s:
# quick to resume after a restart, a few log lines a minute during a long outage.
FIRST_DB_PAUSE = timedelta(seconds=1)
LONGEST_DB_PAUSE = timedelta(seconds=30)
# A worker's own row (last cycle) is written at most this often.
BEAT = timedelta(seconds=30)
# Rows of workers not heard of for this long are removed when a worker starts.
FORGET_WORKERS = timedelta(days=1)


@dataclass
class CycleReport:
    """What one cycle did: items handled per stage, and the stages that failed."""

    done: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    # Stages that yield (``Stage.yields``) held to one item because an earlier stage of
    # the cycle was behind.
    yielded: list[str] = field(default_factory=list)
    # Set when a stage met a cut connection (the stage is not charged): the cycle went on
    # on a new connection, or stopped there if the database could not be reached.
    database_error: str = ""

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
        probe: Callable[[], DatabaseCheck] | None = None,
        budget: float | None = None,
    ) -> None:
        self.stages = list(stages)
        # Seconds of batches each stage may start per cycle (one batch at least); None: as
        # many as the stage's own bound allows (tests' synchronous cycles).
        self.budget = budget
        # Asked after a stage fails: was it the database? (``None``: never asked, as in
        # tests that run one cycle inside their own transaction.)
        self.probe = probe
        self.net = net
        self.client_factory = client_factory
        self.owner = owner or worker_id()
        self._health: dict[str, _Health] = {s.name: _Health() for s in self.stages}

    def cycle(self, now: datetime | None = None) -> CycleReport:
        report = CycleReport()
        behind = False  # a stage of this cycle stopped with work left
        for stage in self.stages:
            moment = now or timezone.now()
            health = self._health[stage.name]
            if health.resting_until and moment < health.resting_until:
                report.skipped.append(stage.name)
                continue
            started = time.monotonic()
            deadline = None if self.budget is None else started + self.budget
            if stage.yields and behind:
                deadline = started  # one item, then the stream's stages again
                report.yielded.append(stage.name)
                log.info("event=stage_yielded stage=%s", stage.name)
            ctx = StageContext(moment, self.owner, self.client_factory, self.net, deadline=deadline)
            try:
                done = stage.run(ctx)
            except Exception as exc:
                check = self.probe() if self.probe else DatabaseCheck()
                if check.lost:
                    # The stage did nothing wrong: its connection was cut (a restart, an
                    # administrator). Not charged; the stage runs again next cycle, on a
                    # new connection if the database answers.
                    report.database_error = check.error or _one_line(exc)
                    log.warning("event=database_connection_lost stage=%s error=%s",
                                stage.name, _one_line(exc))  # fmt: skip
                    if check.error:
                        break  # down: the other stages would only fail the same way
                    continue
                self._failed(stage, health, exc, moment)
                report.failed[stage.name] = f"{type(exc).__name__}: {exc}"
                continue
            report.done[stage.name] = done
            behind = behind or ctx.cut_short
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


@dataclass(frozen=True)
class DatabaseCheck:
    """What :func:`check_database` found: ``lost`` when the connection had been cut (and was
    replaced, or could not be), ``error`` when the database cannot be reached now."""

    lost: bool = False
    error: str = ""


def check_database(alias: str = DEFAULT_DB_ALIAS) -> DatabaseCheck:
    """Close a connection the database dropped and connect again. Never inside a
    transaction a caller opened (a test's): that connection is not ours to replace."""
    conn = connections[alias]
    if conn.in_atomic_block:
        return DatabaseCheck()
    lost = False
    try:
        if conn.connection is not None and not conn.is_usable():
            lost = True
            conn.close()
        conn.ensure_connection()
    except DatabaseError as exc:
        with contextlib.suppress(Exception):  # whatever is left of it is useless
            conn.close()
        return DatabaseCheck(lost=True, error=_one_line(exc))
    return DatabaseCheck(lost=lost)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:500]


class WorkerLoop:
    """One step of ``manage.py worker``: replace a dropped connection, wait out a database
    that is down (retrying with a doubling pause, saying so in the log), run a cycle, and
    write the worker's heartbeat row. :meth:`step` returns how long to wait before the next
    step; the clock and the database check are passed in, so tests drive it directly."""

    def __init__(
        self,
        runner: StageRunner,
        *,
        idle_seconds: float,
        probe: Callable[[], DatabaseCheck] = check_database,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.runner = runner
        self.idle = idle_seconds
        self.probe = probe
        self.clock = clock
        runner.probe = probe
        self.started_at = clock()
        self.down_since: datetime | None = None
        self.down_error = ""
        self.down_attempts = 0
        self.beat_at: datetime | None = None
        self.last_report = CycleReport()

    def step(self) -> float:
        self.last_report = CycleReport()
        if not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            close_old_connections()  # past CONN_MAX_AGE, or left in a bad state
        check = self.probe()
        if check.error:
            return self._unavailable(check.error)
        if self.down_since is not None:
            self._available()
        elif check.lost:
            log.warning("event=database_connection_lost stage=- reconnected=1")
        report = self.runner.cycle()
        self.last_report = report
        if report.database_error and self.probe().error:
            return self._unavailable(report.database_error)
        self._beat()
        return 0.0 if report.busy else self.idle

    def _unavailable(self, error: str) -> float:
        now = self.clock()
        if self.down_since is None:
            self.down_since, self.down_attempts = now, 0
        self.down_error = error
        self.down_attempts += 1
        pause = backoff(self.down_attempts, FIRST_DB_PAUSE, LONGEST_DB_PAUSE)
        log.warning(
            "event=database_unavailable since=%s attempts=%d retry_seconds=%g error=%s",
            self.down_since.isoformat(timespec="seconds"), self.down_attempts,
            pause.total_seconds(), error,
        )  # fmt: skip
        return pause.total_seconds()

    def _available(self) -> None:
        assert self.down_since is not None
        now = self.clock()
        log.warning("event=database_available since=%s down_seconds=%d",
                    self.down_since.isoformat(timespec="seconds"),
                    (now - self.down_since).total_seconds())  # fmt: skip
        self._write_beat(database_down_since=self.down_since, database_back_at=now,
                         database_error=self.down_error)  # fmt: skip
        self.down_since, self.down_error, self.down_attempts = None, "", 0

    def _beat(self) -> None:
        now = self.clock()
        if self.beat_at is None:
            _forget_workers(now - FORGET_WORKERS)
        if self.beat_at is None or now - self.beat_at >= BEAT:
            self._write_beat(last_cycle_at=now)

    def _write_beat(self, **values: object) -> None:
        now = self.clock()
        values.setdefault("last_cycle_at", now)
        values.update(stages=",".join(s.name for s in self.runner.stages),
                      started_at=self.started_at)  # fmt: skip
        try:
            WorkerBeat.objects.update_or_create(owner=self.runner.owner, defaults=values)
        except Exception:
            log.warning("event=worker_beat_unwritable", exc_info=True)
            return
        self.beat_at = now

    def stopped(self) -> None:
        """A worker that stops on request removes its row: only running (or crashed)
        workers are listed."""
        with contextlib.suppress(Exception):
            WorkerBeat.objects.filter(owner=self.runner.owner).delete()


def _forget_workers(before: datetime) -> None:
    with contextlib.suppress(Exception):
        WorkerBeat.objects.filter(last_cycle_at__lt=before).delete()


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
