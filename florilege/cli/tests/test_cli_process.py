"""``florilege`` as a separate process, as an administrator's script runs it: its own
settings from the environment, its own SQLite database, exit codes and standard streams."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_the_command_line_as_a_process(tmp_path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "",  # the command sets it when the environment does not
        "FLORILEGE_DATA_DIR": str(tmp_path / "var"),
        "FLORILEGE_SECRET_KEY": "a-process-test-secret-key-long-enough-for-the-checks-Q7x2Lm9K",
        "FLORILEGE_DEBUG": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE")
    # Its own SQLite database in tmp_path: a database URL inherited from the test run (the
    # PostgreSQL run) would point the process at the server's real database, not the test's.
    env.pop("DATABASE_URL", None)
    env.pop("FLORILEGE_DATABASE_URL", None)

    def florilege(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "florilege.cli", *argv], cwd=ROOT, env=env,
                              input=stdin, capture_output=True, text=True, timeout=300)  # fmt: skip

    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=600)  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    done = florilege(
        "user", "create", "ana", "--password-stdin", stdin="a-long-enough-passphrase\n"
    )
    assert (done.returncode, done.stdout.strip()) == (0, "created user ana"), done.stderr
    done = florilege("topic", "create", "Open data", "--owner", "ana")
    assert (done.returncode, done.stdout.strip()) == (0, "open-data"), done.stderr
    done = florilege("topic", "export", "open-data")
    assert done.returncode == 0 and json.loads(done.stdout)["settings"]["title"] == "Open data"
    done = florilege("topic", "export", "missing")
    assert done.returncode == 3 and "no topic" in done.stderr and not done.stdout
    done = florilege("status")
    assert done.returncode == 0 and "webhooks" in done.stdout
    assert florilege("nonsense").returncode == 2
