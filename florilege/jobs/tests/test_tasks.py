"""One-off jobs on the database backend, executed as our worker does: claimed and run by
``run_due_tasks``, outcomes kept on the rows."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from florilege import config
from florilege.jobs.tasks import enqueue, failed_tasks, run_due_tasks, task_backlog
from florilege.settings import tasks_backend

# What the jobs below did, in order; a lock because two worker threads append to it.
RAN: list[int] = []
RAN_LOCK = threading.Lock()


@task()
def record(n: int) -> int:
    with RAN_LOCK:
        RAN.append(n)
    return n * 2


@task()
def explode(n: int) -> None:
    raise ValueError(f"job {n} went wrong")


@pytest.fixture(autouse=True)
def _clear_ran():
    RAN.clear()
    yield
    RAN.clear()


@pytest.mark.django_db
def test_runs_ready_jobs_up_to_the_limit_and_keeps_their_outcome() -> None:
    first = record.enqueue(1)
    explode.enqueue(2)
    record.using(priority=10).enqueue(3)  # higher priority: runs first
    record.enqueue(4)
    assert task_backlog()[0] == 4

    assert run_due_tasks(limit=3) == 3
    assert RAN == [3, 1]  # the failing job in between did not stop the next one
    assert task_backlog()[0] == 1
    assert run_due_tasks() == 1 and RAN == [3, 1, 4]
    assert run_due_tasks() == 0

    first.refresh()
    assert first.status == TaskResultStatus.SUCCESSFUL and first.return_value == 2
    assert len(first.worker_ids) == 1
    [failed] = failed_tasks()
    assert failed.name == "florilege.jobs.tests.test_tasks.explode"
    assert failed.args == [2] and failed.error == "builtins.ValueError"
    assert "job 2 went wrong" in failed.traceback and failed.finished_at is not None


@pytest.mark.django_db
def test_a_job_left_running_by_a_dead_worker_runs_again_after_the_lease() -> None:
    stuck = record.enqueue(7)
    DBTaskResult.objects.filter(pk=stuck.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(seconds=30)
    )
    assert run_due_tasks() == 0  # still within its lease: maybe running elsewhere
    DBTaskResult.objects.filter(pk=stuck.id).update(
        started_at=timezone.now() - timedelta(hours=1)
    )
    assert run_due_tasks() == 1 and RAN == [7]
    stuck.refresh()
    assert stuck.status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db
def test_a_deferred_job_waits_for_its_time() -> None:
    later = record.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(5)
    assert task_backlog() == (0, None)
    assert run_due_tasks() == 0 and RAN == []
    DBTaskResult.objects.filter(pk=later.id).update(run_after=timezone.now())
    assert task_backlog()[0] == 1
    assert run_due_tasks() == 1 and RAN == [5]


@pytest.mark.django_db
def test_failed_jobs_newest_first_within_the_limit() -> None:
    for n in range(3):
        explode.enqueue(n)
        run_due_tasks()
    assert [f.args for f in failed_tasks(limit=2)] == [[2], [1]]


@pytest.mark.django_db
def test_enqueue_writes_the_job_with_the_transaction() -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(record, 6)
        raise RuntimeError("the request failed")
    assert not DBTaskResult.objects.exists()
    enqueue(record, 7)
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_run_each_job_once() -> None:
    from django.db import connection

    if connection.vendor == "sqlite":
        # The test database is SQLite's shared in-memory cache, whose table locks do not
        # wait (a file database in WAL mode, as deployed, does); CI runs this on PostgreSQL.
        pytest.skip("two workers at once are tested on PostgreSQL")
    for n in range(40):
        record.enqueue(n)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while run_due_tasks(limit=3):
                pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(RAN) == list(range(40))
    rows = DBTaskResult.objects.all()
    assert {r.status for r in rows} == {"SUCCESSFUL"} and {len(r.worker_ids) for r in rows} == {1}


@pytest.mark.django_db
def test_other_backends_are_run_by_their_own_workers(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    record.enqueue(8)
    assert run_due_tasks() == 0 and RAN == []
    assert task_backlog() == (0, None) and failed_tasks() == []


def test_backend_setting() -> None:
    assert tasks_backend("database")["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert tasks_backend("rq")["BACKEND"] == "django_tasks_rq.RQBackend"
    assert tasks_backend("immediate")["BACKEND"].endswith("ImmediateBackend")
    base = {"FLORILEGE_DEBUG": "1"}
    assert config.load(base).TASKS_BACKEND == "database"
    assert config.load({**base, "FLORILEGE_TASKS_BACKEND": " RQ "}).TASKS_BACKEND == "rq"
    with pytest.raises(config.ConfigError, match="FLORILEGE_TASKS_BACKEND"):
        config.load({**base, "FLORILEGE_TASKS_BACKEND": "celery"})
