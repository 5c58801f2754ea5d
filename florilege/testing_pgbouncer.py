"""The test suite through PgBouncer in transaction mode, with ``DATABASE_URL`` naming a
PostgreSQL server: ``pytest -p florilege.testing_pgbouncer``.

Before Django reads its settings, this plugin starts Debian's ``pgbouncer`` on a free
loopback port, in front of the server ``DATABASE_URL`` names, and points ``DATABASE_URL``
there (with ``FLORILEGE_DB_POOLED=1``, which turns server-side cursors off). Every query of
the suite, and of the ``manage.py serve`` processes tests start, then runs the way it runs
behind a transaction pooler: two statements outside a transaction may reach two different
server sessions, so any session state (a session-level advisory lock, a ``SET`` without
``LOCAL``, ``LISTEN``, a prepared statement, a temporary table, a server-side cursor) breaks
a test instead of production.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pytest

# Where Debian's package puts it (not on a non-root user's PATH).
PGBOUNCER_PATHS = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def pgbouncer_binary() -> str | None:
    found = shutil.which("pgbouncer")
    if found:
        return found
    return next((p for p in PGBOUNCER_PATHS if Path(p).exists()), None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bouncer_ini(*, server_host: str, server_port: int, port: int, folder: Path, user: str) -> str:
    """The configuration: one wildcard database entry (any database name the client asks
    for, the test database included, on the real server), transaction pooling, and trust
    on loopback (the server behind it does the real authentication)."""
    return "\n".join(
        [
            "[databases]",
            f"* = host={server_host} port={server_port}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {port}",
            "unix_socket_dir =",
            "auth_type = trust",
            f"auth_file = {folder / 'users.txt'}",
            f"admin_users = {user}",
            "pool_mode = transaction",
            "max_client_conn = 400",
            "default_pool_size = 20",
            # Sent by some clients at start-up; harmless to drop (PgBouncer refuses what it
            # does not know otherwise).
            "ignore_startup_parameters = extra_float_digits,options",
            f"logfile = {folder / 'pgbouncer.log'}",
            f"pidfile = {folder / 'pgbouncer.pid'}",
            "",
        ]
    )


def _unprivileged_account() -> str:
    """``postgres`` (Debian's PostgreSQL and PgBouncer packages make it), else ``nobody``."""
    import pwd

    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise pytest.UsageError("pgbouncer refuses to run as root and no other account exists")


class Bouncer:
    """A PgBouncer process in front of the server ``url`` names."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
            raise pytest.UsageError(
                "florilege.testing_pgbouncer needs DATABASE_URL to name a PostgreSQL server"
            )
        binary = pgbouncer_binary()
        if binary is None:
            raise pytest.UsageError(
                "florilege.testing_pgbouncer needs Debian's pgbouncer: "
                "sudo apt-get install pgbouncer (make test installs it when run as root)"
            )
        self.binary = binary
        self.parts = parts
        self.user = unquote(parts.username or "postgres")
        self.password = unquote(parts.password or "")
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="florilege-pgbouncer-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``DATABASE_URL`` with PgBouncer's address in place of the server's."""
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        netloc = f"{auth}@127.0.0.1:{self.port}"
        return urlunsplit(self.parts._replace(netloc=netloc))

    def start(self) -> Bouncer:
        ini = self.folder / "pgbouncer.ini"
        ini.write_text(
            bouncer_ini(
                server_host=self.parts.hostname or "127.0.0.1",
                server_port=self.parts.port or 5432,
                port=self.port,
                folder=self.folder,
                user=self.user,
            )
        )
        # With trust, PgBouncer still wants the user listed; the password (if any) is the
        # one it gives the server.
        users = self.folder / "users.txt"
        users.write_text(f'"{self.user}" "{self.password}"\n')
        users.chmod(0o600)
        command = [self.binary, str(ini)]
        if os.geteuid() == 0:
            # PgBouncer refuses to run as root: it drops to an unprivileged account, which
            # must own its folder (for the log and pid files).
            account = _unprivileged_account()
            shutil.chown(self.folder, account)
            for path in (ini, users):
                shutil.chown(path, account)
            command[1:1] = ["-u", account]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        log = self.folder / "pgbouncer.log"
        detail = log.read_text()[-2000:] if log.exists() else ""
        self.stop()
        raise pytest.UsageError(f"pgbouncer did not start:\n{detail}")

    def admin(self, command: str) -> None:
        """One command on PgBouncer's admin console (simple query protocol only)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, dbname="pgbouncer", user=self.user, autocommit=True
        ) as conn:
            conn.pgconn.exec_(command.encode())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # PgBouncer: safe shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_bouncer: list[Bouncer] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args) -> Iterator[None]:
    # Before pytest-django imports the settings, which read DATABASE_URL once.
    url = os.environ.get("DATABASE_URL") or os.environ.get("FLORILEGE_DATABASE_URL", "")
    bouncer = Bouncer(url).start()
    _bouncer.append(bouncer)
    os.environ.pop("FLORILEGE_DATABASE_URL", None)
    os.environ["DATABASE_URL"] = bouncer.url
    os.environ["FLORILEGE_DB_POOLED"] = "1"
    yield


def pytest_report_header(config) -> str:
    return f"database through PgBouncer (transaction pooling) on 127.0.0.1:{_bouncer[0].port}"


@pytest.fixture(scope="session", autouse=True)
def _pgbouncer_lets_go(django_db_setup) -> Iterator[None]:
    """PgBouncer keeps idle server connections to the test database, and PostgreSQL will
    not drop a database in use: drop them (KILL) just before pytest-django drops it."""
    yield
    from django.db import connections

    for alias in connections:
        name = connections[alias].settings_dict["NAME"]
        connections[alias].close()
        _bouncer[0].admin(f"KILL {name}")


def pytest_unconfigure(config) -> None:
    while _bouncer:
        _bouncer.pop().stop()
