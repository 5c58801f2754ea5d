"""The jobs app's own stage: one-off jobs queued through Django's Tasks API."""

from __future__ import annotations

from datetime import datetime

from florilege.jobs.registry import Backlog, Stage, StageContext, register
from florilege.jobs.tasks import run_due_tasks, task_backlog

# Jobs per cycle at most: each is an email or another short call.
TASKS_PER_CYCLE = 50


def _tasks(ctx: StageContext) -> int:
    return run_due_tasks(TASKS_PER_CYCLE)


def _tasks_backlog(now: datetime) -> Backlog:
    due, oldest = task_backlog()
    return Backlog(due, oldest)


register(Stage("tasks", "jobs",
               "one-off jobs queued through Django's Tasks API (mail, pings)",
               _tasks, _tasks_backlog, order=130))  # fmt: skip
