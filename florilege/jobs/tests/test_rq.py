"""The Redis-backed backend (``django-tasks-rq``) against the machine's Redis: a reader's
confirmation email queued in Redis, then sent by an rq worker run in burst mode.

Off CI a machine without Redis (or without the ``redis`` extra) skips; CI fails instead.
The tests use a Redis database of their own; rq's keys there are emptied before and after
each, by one run at a time.
"""

from __future__ import annotations

import logging
import os
import signal

import pytest
from django.urls import reverse

from florilege.jobs.tasks import failed_tasks, run_due_tasks, task_backlog
from florilege.publishing.models import Subscriber
from florilege.publishing.tests.helpers import link_in, text_part
from florilege.settings import tasks_backend
from florilege.testing import closed_port

try:
    from rq.worker import SimpleWorker
except ImportError:  # no redis extra: the fixtures below skip, or fail on CI
    SimpleWorker = object  # type: ignore[misc,assignment]

REDIS_URL = "redis://127.0.0.1:6379/13"
LOCK = "florilege-tests:rq"

pytestmark = pytest.mark.django_db


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must test the Redis backend)")
    pytest.skip(reason)


@pytest.fixture
def rq_settings(settings):
    """The rq backend as FLORILEGE_TASKS_BACKEND=rq sets it, on the test database."""
    try:
        import django_rq  # noqa: F401
        import django_tasks_rq  # noqa: F401
    except ImportError:
        _unavailable("the redis extra (django-tasks-rq) is not installed")
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    settings.TASKS = {"default": tasks_backend("rq")}
    return settings


@pytest.fixture
def redis_db(rq_settings):
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.ConnectionError:
        _unavailable("no Redis answers on 127.0.0.1:6379")
    # Several checkouts on one machine may run these tests at the same time, and they all
    # use this database and the `default` queue's keys: a run waits for the one before it
    # (an abandoned lock expires), and empties rq's keys only while it holds the lock.
    lock = connection.lock(LOCK, timeout=120, blocking_timeout=300)
    if not lock.acquire():
        pytest.fail("another run of the Redis tests held the lock for five minutes")
    try:
        _empty(connection)
        yield connection
        _empty(connection)
    finally:
        lock.release()
        connection.close()


def _empty(connection) -> None:
    keys = list(connection.scan_iter("rq:*"))
    if keys:
        connection.delete(*keys)


class BurstWorker(SimpleWorker):
    """rq's in-process worker without its command channel: a burst in a test takes no
    remote commands (stop, suspend), and the channel's listening thread is what can hang
    the worker's teardown when another client empties the database meanwhile."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


def _burst() -> None:
    """What `manage.py rqworker default --burst` does, in this process (so the job reads
    the test's database) until the queue is empty."""
    import django_rq

    # The worker takes over SIGINT and SIGTERM for a warm shutdown; give them back after.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        # In this process (no fork), so the job sees the test's database.
        worker = f"{__name__}.BurstWorker"
        django_rq.get_worker("default", worker_class=worker).work(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _follow(client, topic):
    url = reverse("publishing:follow", args=[topic.slug])
    data = {"email": "reader@example.org", "frequency": "daily", "website": ""}
    return client.post(url, data, REMOTE_ADDR="203.0.113.9")


def test_confirmation_through_redis_and_an_rq_worker(
    client, topic, smtp_sink, redis_db, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert _follow(client, topic).status_code == 302
    # Handed to Redis when the request's transaction committed, not before.
    assert len(queued) == 1
    count, oldest = task_backlog()
    assert count == 1 and oldest is not None
    assert run_due_tasks() == 0  # our worker leaves Redis's jobs to rq's
    assert smtp_sink.messages == []

    _burst()
    assert task_backlog() == (0, None)
    [mail] = smtp_sink.messages
    assert mail.recipients == ["reader@example.org"]
    assert link_in(text_part(mail.message()), "/follow/confirm/")


def test_a_failed_job_in_redis_is_shown_to_the_operator(
    client, topic, settings, redis_db, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    with django_capture_on_commit_callbacks(execute=True):
        assert _follow(client, topic).status_code == 302
    _burst()
    [failed] = failed_tasks()
    assert failed.name == "florilege.publishing.services.follow.send_confirmation"
    assert failed.args == [Subscriber.objects.get().pk]
    assert failed.error == "builtins.ConnectionRefusedError"
    assert "ConnectionRefusedError" in failed.traceback


def test_redis_down_the_reader_is_answered_and_the_operator_told(
    client, topic, rq_settings, caplog, django_capture_on_commit_callbacks
) -> None:
    rq_settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{closed_port()}/0"}}
    with (
        caplog.at_level(logging.ERROR, logger="florilege.jobs"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _follow(client, topic)
    assert response.status_code == 302
    assert "event=task_not_queued" in caplog.text
    assert "follow.send_confirmation" in caplog.text
