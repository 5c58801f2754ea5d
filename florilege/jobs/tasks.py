"""One-off jobs (emails today) through Django's Tasks API, the ``django-tasks`` backport.

An app declares a job with ``@task()`` and asks for it with :func:`enqueue`; the request
returns at once and the job runs elsewhere. Where it waits is a setting
(FLORILEGE_TASKS_BACKEND): the ``database`` backend by default (``django-tasks-db``), whose
ready rows :func:`run_due_tasks` executes from our worker, or ``rq`` (Redis, run by
``manage.py rqworker``). Claiming and recording are the backend's own code: a row is taken
with ``SELECT … FOR UPDATE SKIP LOCKED`` (an exclusive transaction on SQLite) and marked
running in that transaction, so any number of workers may call :func:`run_due_tasks`; the
outcome, a return value or the traceback, stays on the row for the operator.

Arguments are stored as JSON: pass ids and strings, and let the job read its rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.db import OperationalError, transaction
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from florilege.jobs import leases

if TYPE_CHECKING:
    from django_tasks.backends.base import BaseTaskBackend
    from django_tasks.base import Task

log = logging.getLogger("florilege.jobs")
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class FailedTask:
    """A job that raised, as the operator sees it."""

    id: str
    name: str  # the task function's dotted path
    args: list[Any]
    kwargs: dict[str, Any]
    finished_at: datetime | None
    error: str  # the exception's class path
    traceback: str


def backend() -> BaseTaskBackend:
    return task_backends[DEFAULT_TASK_BACKEND_ALIAS]


def enqueue(task: Task[P, T], *args: P.args, **kwargs: P.kwargs) -> None:
    """Ask for ``task`` to run, as part of the current transaction.

    On the database backend its row is written in the transaction, so it is committed, or
    rolled back, with the rows it names. Another backend is given the job once the
    transaction commits: a worker elsewhere never receives an id it cannot read yet, and a
    queue that cannot be reached is logged, never turned into an error for the request.
    """
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args, **kwargs)
        return

    def send() -> None:
        try:
            task.enqueue(*args, **kwargs)
        except Exception:
            log.exception("event=task_not_queued task=%s", task.module_path)

    transaction.on_commit(send)


def worker_id() -> str:
    # The backend keeps it on each row it runs: the operator sees which host ran a job.
    return leases.worker_id()[:64]


def run_due_tasks(limit: int = 50) -> int:
    """Run up to ``limit`` ready jobs of the database backend, one claim at a time; returns
    how many ran. A job that raises is recorded as failed, with its traceback, and the next
    one runs. Nothing to do on another backend (its own workers run its jobs)."""
    current = backend()
    if not isinstance(current, DatabaseBackend):
        return 0
    requeue_abandoned(current.alias, timezone.now() - leases.default_lease())
    runner = _runner(current.alias)
    ran = 0
    while ran < limit:
        claimed = _claim(current.alias, runner.worker_id)
        if claimed is None:
            break
        # The backend's own execution: started and finished signals, the return value or
        # the exception stored on the row. It catches whatever the job raises.
        runner.run_task(claimed)
        ran += 1
    return ran


def requeue_abandoned(alias: str, started_before: datetime) -> int:
    """Jobs marked running since before ``started_before`` belonged to a worker that died
    (the backend keeps no lease of its own): ready again, as a leased row would be. A job
    cut off after its work (an email sent) runs twice: jobs are at-least-once."""
    abandoned = DBTaskResult.objects.filter(
        backend_name=alias, status=TaskResultStatus.RUNNING, started_at__lt=started_before
    )
    count = abandoned.update(status=TaskResultStatus.READY, started_at=None)
    if count:
        log.warning("event=tasks_requeued count=%d", count)
    return count


def _runner(alias: str) -> Any:
    # The worker class of django-tasks-db, used for its ``run_task`` only: its loop sleeps
    # and recycles database connections, which is our worker command's business.
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=alias,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id(),
        excluded_queue_names=[],
    )


def _claim(alias: str, owner: str) -> DBTaskResult | None:
    ready = DBTaskResult.objects.ready().filter(backend_name=alias)
    try:
        with exclusive_transaction(ready.db):
            claimed = ready.get_locked()
            if claimed is not None:
                claimed.claim(owner)
    except OperationalError as exc:
        # SQLite busy past its timeout: the next cycle tries again.
        if is_locked_database_exception(exc):
            return None
        raise
    return claimed


def task_backlog() -> tuple[int, datetime | None]:
    """Jobs ready to run and when the oldest of them was queued."""
    current = backend()
    if isinstance(current, DatabaseBackend):
        ready = DBTaskResult.objects.ready().filter(backend_name=current.alias)
        found = ready.order_by().aggregate(count=Count("pk"), oldest=Min("enqueued_at"))
        return found["count"], found["oldest"]
    if _is_rq(current):
        return _rq_backlog(current)
    return 0, None


def failed_tasks(limit: int = 50) -> list[FailedTask]:
    """The most recent jobs that raised, newest first."""
    current = backend()
    if isinstance(current, DatabaseBackend):
        rows = DBTaskResult.objects.failed().filter(backend_name=current.alias)
        return [_from_row(row) for row in rows.order_by("-finished_at")[:limit]]
    if _is_rq(current):
        return _rq_failed(current, limit)
    return []


def _from_row(row: DBTaskResult) -> FailedTask:
    # From the columns, not ``row.task_result``: that imports the task, and a job whose
    # function was since renamed must still be listed.
    return FailedTask(
        id=str(row.id),
        name=row.task_path,
        args=row.args_kwargs.get("args", []),
        kwargs=row.args_kwargs.get("kwargs", {}),
        finished_at=row.finished_at,
        error=row.exception_class_path,
        traceback=row.traceback,
    )


def _is_rq(current: BaseTaskBackend) -> bool:
    return type(current).__module__.startswith("django_tasks_rq")


def _rq_queues(current: BaseTaskBackend) -> list[Any]:
    import django_rq

    return [django_rq.get_queue(name) for name in sorted(current.queues)]


def _rq_backlog(current: BaseTaskBackend) -> tuple[int, datetime | None]:
    count, queued = 0, []
    for queue in _rq_queues(current):
        count += queue.count
        # A queue is a list in queuing order: its head is its oldest job.
        queued += [job.enqueued_at for job in queue.get_jobs(0, 1) if job.enqueued_at]
    return count, min(queued, default=None)


def _rq_failed(current: BaseTaskBackend, limit: int) -> list[FailedTask]:
    from django_tasks.exceptions import TaskResultDoesNotExist

    found: list[FailedTask] = []
    for queue in _rq_queues(current):
        for job_id in queue.failed_job_registry.get_job_ids(0, limit - 1, desc=True):
            try:
                result = current.get_result(job_id)
            except TaskResultDoesNotExist:  # its record expired from Redis meanwhile
                continue
            error = result.errors[-1] if result.errors else None
            found.append(
                FailedTask(
                    id=result.id,
                    name=result.task.module_path,
                    args=list(result.args),
                    kwargs=dict(result.kwargs),
                    finished_at=result.finished_at,
                    error=error.exception_class_path if error else "",
                    traceback=error.traceback if error else "",
                )
            )
    found.sort(key=lambda f: f.finished_at.timestamp() if f.finished_at else 0.0, reverse=True)
    return found[:limit]
