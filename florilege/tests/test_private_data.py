"""The data folder and the SQLite database are private to the service user from the first
command on, whatever the umask; a weak secret key stops the start with a clear message."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from florilege import config

REPO = Path(__file__).resolve().parents[2]
STRONG = "pT3v9QeXr2LkWm8sYc1ZbN4uHd7oJf6gAi0qEy5xKw2RtVn8MzCb1LsDp4Gh7Je9Ux"


def _manage(data_dir: Path, *args: str, secret: str = STRONG) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLORILEGE_")}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="florilege.settings",
        FLORILEGE_SECRET_KEY=secret,
        FLORILEGE_DATA_DIR=str(data_dir),
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        # The usual umask, which used to leave the database readable by everyone.
        preexec_fn=lambda: os.umask(0o022),
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_migrate_on_a_fresh_data_folder_leaves_it_private(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    done = _manage(data, "migrate", "--verbosity=0")
    assert done.returncode == 0, done.stderr
    database = data / "florilege.sqlite3"
    assert _mode(data) == 0o700
    assert _mode(database) == 0o600
    # SQLite gives its write-ahead log and shared-memory files the database file's mode.
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE probe (x)")
        for companion in ("-wal", "-shm"):
            assert _mode(data / f"florilege.sqlite3{companion}") == 0o600


def test_an_existing_readable_database_is_made_private(tmp_path: Path) -> None:
    database = tmp_path / "florilege.sqlite3"
    database.touch(mode=0o644)
    database.chmod(0o644)
    config.private_file(database)
    assert _mode(database) == 0o600


def test_a_weak_secret_key_stops_the_start(tmp_path: Path) -> None:
    done = _manage(tmp_path, "check", secret="a" * 64)
    assert done.returncode != 0
    assert "FLORILEGE_SECRET_KEY is too weak" in done.stderr
