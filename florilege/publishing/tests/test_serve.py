"""``manage.py serve`` as real processes: killed the way a service manager or a container
runtime kills it, it leaves nothing running; a stop finishes within its grace period; a
worker that dies is started again."""

from __future__ import annotations

import os
import signal
import time

import pytest

from florilege.publishing.management.commands.serve import GRACE_SECONDS, Supervisor
from florilege.testing import alive

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition, what: str, timeout: float, served) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{served.output()}"
        time.sleep(0.1)


@pytest.mark.parametrize("term_first", [True, False], ids=["term-then-kill", "kill"])
def test_killing_serve_leaves_no_process_and_frees_the_port(serve, term_first) -> None:
    served = serve()
    served.wait_ready()
    wait_until(lambda: served.worker_pids(), "the worker", 20, served)
    tree = served.tree()
    assert len(tree) >= 3, tree  # granian, its web worker, the worker

    # What systemd (with a short stop timeout) or ``docker stop -t 1`` does: SIGTERM to
    # serve alone, SIGKILL one second later; or SIGKILL alone (the OOM killer, kill -9).
    started = time.monotonic()
    if term_first:
        served.proc.send_signal(signal.SIGTERM)
        time.sleep(1)
    served.proc.send_signal(signal.SIGKILL)
    served.proc.wait(timeout=5)
    wait_until(lambda: not alive(tree), "the children to exit", GRACE_SECONDS + 5, served)
    print(f"stopped in {time.monotonic() - started:.1f} s")
    assert time.monotonic() - started <= GRACE_SECONDS
    assert not served.port_open()


def test_a_stop_ends_within_the_grace_period_and_a_dead_worker_is_restarted(serve) -> None:
    served = serve()
    served.wait_ready()
    wait_until(lambda: served.worker_pids(), "the worker", 20, served)
    (first,) = served.worker_pids()
    served.tree()  # remembered, so the end of the test finds them all

    os.kill(first, signal.SIGKILL)  # a crash
    wait_until(lambda: served.worker_pids() - {first}, "a new worker", 10, served)
    assert "event=worker_exited code=-9 restart_seconds=1" in served.output()
    assert first not in alive({first})

    tree = served.tree()
    started = time.monotonic()
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=GRACE_SECONDS + 2) == 0, served.output()
    assert time.monotonic() - started <= GRACE_SECONDS + 1
    assert not alive(tree), served.output()
    assert not served.port_open()


def test_a_worker_that_keeps_dying_waits_longer_each_time() -> None:
    supervisor = Supervisor([], [])
    pauses = [supervisor.restart_pause(0.5) for _ in range(9)]
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    # One that ran a minute is healthy again: the next restart is quick.
    assert supervisor.restart_pause(61) == 1
    assert supervisor.restart_pause(3) == 2
