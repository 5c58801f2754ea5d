"""The worker between cycles: a connection the database dropped is replaced without charging
any stage, a database that is down is waited out (with a doubling pause, in the log), and
the outage and the last cycle are shown to the operator once the database is back."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from florilege.jobs.models import StageState, WorkerBeat
from florilege.jobs.registry import Backlog, Stage, StageContext
from florilege.jobs.worker import DatabaseCheck, StageRunner, WorkerLoop, check_database

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def counting_stage(runs: list[datetime]) -> Stage:
    def run(ctx: StageContext) -> int:
        StageState.objects.count()  # a query, as every stage makes
        runs.append(ctx.now)
        return 0

    return Stage("count", "tests", "test rows", run, lambda now: Backlog(0), order=0)


@pytest.mark.django_db
def test_the_worker_waits_out_a_database_that_is_down_and_records_the_outage(
    caplog, client, django_user_model
) -> None:
    down = {"left": 4}

    def probe() -> DatabaseCheck:
        if down["left"]:
            down["left"] -= 1
            return DatabaseCheck(lost=True, error="OperationalError: connection refused")
        return DatabaseCheck()

    runs: list[datetime] = []
    clock = Clock()
    loop = WorkerLoop(
        StageRunner([counting_stage(runs)], owner="w:1"), idle_seconds=5, probe=probe, clock=clock
    )
    pauses = []
    with caplog.at_level(logging.INFO, logger="florilege.worker"):
        for _ in range(5):
            pauses.append(loop.step())
            clock.now += timedelta(seconds=pauses[-1])
    # Retried after 1, 2, 4, 8 s; no stage ran (nor was charged) meanwhile; then back to
    # the normal idle pause.
    assert pauses == [1, 2, 4, 8, 5]
    assert len(runs) == 1
    assert not StageState.objects.filter(failures__gt=0).exists()
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == (
        "event=database_unavailable since=2026-05-04T10:00:00+00:00 attempts=1 "
        "retry_seconds=1 error=OperationalError: connection refused"
    )
    assert "event=database_available since=2026-05-04T10:00:00+00:00 down_seconds=15" in lines

    beat = WorkerBeat.objects.get()
    assert (beat.owner, beat.stages) == ("w:1", "count")
    assert beat.database_down_since == NOW
    assert beat.database_back_at == NOW + timedelta(seconds=15)
    assert beat.database_error == "OperationalError: connection refused"
    assert beat.last_cycle_at == NOW + timedelta(seconds=15)

    admin = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    client.force_login(admin)
    body = client.get(reverse("status")).content.decode()
    assert (
        "The database was last unavailable from 2026-05-04 10:00:00 to 2026-05-04 10:00:15"
    ) in body
    assert "OperationalError: connection refused" in body
    assert "Last worker cycle:" in body
    # The row is years old by the real clock: the worker is shown as stalled.
    assert "stalled" in body


@pytest.mark.django_db
def test_a_worker_that_stops_on_request_leaves_no_row(client, django_user_model) -> None:
    loop = WorkerLoop(StageRunner([counting_stage([])], owner="w:2"), idle_seconds=5)
    loop.step()
    assert WorkerBeat.objects.filter(owner="w:2").exists()
    loop.stopped()
    assert not WorkerBeat.objects.exists()
    admin = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    client.force_login(admin)
    assert "No worker has reported a cycle." in client.get(reverse("status")).content.decode()


def terminate_my_backend() -> None:
    """What a PostgreSQL restart does to this process's connection, from outside it."""
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
        host=db["HOST"] or None, port=db["PORT"] or None, autocommit=True,
    ) as admin:  # fmt: skip
        # Waits for the backend to be gone, so the next query meets a closed connection.
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql"
    # Behind PgBouncer the pid the client sees is not a server backend's, and a server
    # connection cut is replaced by the pooler without the client ever seeing it.
    or bool(connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")),
    reason="terminates this connection's PostgreSQL backend (direct connections only)",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_connection_cut_between_cycles_is_replaced_before_the_next(caplog) -> None:
    runs: list[datetime] = []
    loop = WorkerLoop(StageRunner([counting_stage(runs)], owner="w:3"), idle_seconds=5)
    loop.step()
    terminate_my_backend()
    with caplog.at_level(logging.INFO, logger="florilege.worker"):
        loop.step()
    assert len(runs) == 2 and loop.last_report.failed == {}
    assert "event=database_connection_lost stage=- reconnected=1" in caplog.messages
    assert check_database() == DatabaseCheck()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_connection_cut_during_a_cycle_is_not_charged_to_the_stages(caplog) -> None:
    armed = {"cut": False}

    def cut(ctx: StageContext) -> int:
        if armed["cut"]:
            # After a first query, which checked the connection's health (CONN_HEALTH_CHECKS).
            StageState.objects.count()
            terminate_my_backend()
        return 0

    runs: list[datetime] = []
    stages = [
        Stage("cut", "tests", "x", cut, lambda now: Backlog(0), order=1),
        Stage("count", "tests", "x", counting_stage(runs).run, lambda now: Backlog(0), order=2),
        Stage("again", "tests", "x", counting_stage(runs).run, lambda now: Backlog(0), order=3),
    ]
    loop = WorkerLoop(StageRunner(stages, owner="w:4"), idle_seconds=5)
    loop.step()  # each stage's state written: the next cycle writes none
    assert len(runs) == 2
    armed["cut"] = True
    with caplog.at_level(logging.INFO, logger="florilege.worker"):
        loop.step()
    armed["cut"] = False
    # "count" met the cut connection: not a failure of its own; the connection was replaced
    # at once, so "again" ran in the same cycle.
    assert loop.last_report.failed == {} and len(runs) == 3
    assert loop.last_report.database_error.startswith("OperationalError")
    assert any(m.startswith("event=database_connection_lost stage=count") for m in caplog.messages)
    assert not StageState.objects.filter(failures__gt=0).exists()
    loop.step()
    assert len(runs) == 5
