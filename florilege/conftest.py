from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from florilege.testing import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CORPUS_MISSING,
    LoopbackServer,
    ServeProcess,
    SmtpSink,
    artifacts_dir,
    database_url_of,
)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A page asked for in French leaves French active in the thread (the locale middleware
    activates it): each test starts and ends in the default language, so none depends on
    the order the suite runs in."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _fresh_rendered_parts() -> None:
    """Parts of pages each process keeps once rendered (the queue's cards, the topic menu)
    or read (search's side-list names): each test starts without them."""
    from florilege.curation.templatetags import queue_cards, topic_nav
    from florilege.publishing import search

    queue_cards.forget_cards()
    topic_nav.forget_menus()
    search.forget_side_lists()


@pytest.fixture(autouse=True)
def _views_written_at_once(settings) -> None:
    """Each counted view written during its request, in the test's own transaction (the
    buffered writer thread has a connection of its own, which would not see the test's
    rows)."""
    from dataclasses import replace

    settings.CONFIG = replace(settings.CONFIG, ANALYTICS_BUFFER_EVENTS=1)


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    server = LoopbackServer().start()
    yield server
    server.stop()


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_user("curator", password="a-long-test-password")


@pytest.fixture
def topic(curator):
    from florilege.topics.models import Topic

    return Topic.objects.create(
        title="Social networks",
        slug="social-networks",
        description="Fediverse, platforms and moderation.",
        languages=["en", "fr"],
        keywords=["mastodon", "fediverse", "modération"],
        owner=curator,
    )


@pytest.fixture
def client_in(client, curator):
    """The test client, logged in as the topic's curator."""
    client.force_login(curator)
    return client


@pytest.fixture
def smtp_sink(settings) -> Iterator[SmtpSink]:
    """Django's SMTP backend pointed at a real SMTP server on loopback."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    yield sink
    sink.stop()


@pytest.fixture
def no_mail_server(settings) -> None:
    """A fresh install's mail settings: Django's SMTP backend and no host (FLORILEGE_EMAIL_HOST
    unset), so mail is not configured and every email stays in the outbox."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = ""


@pytest.fixture
def chromium():
    """Debian's Chromium driven by Playwright. Off CI a machine without it skips; CI fails.

    One browser per test, not per session: Playwright's sync API runs an event loop in the
    main thread for as long as it lives, and pytest-django runs transactional (browser)
    tests first, so a session-wide browser would break every later test that uses asyncio.
    """
    import os
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        message = f"browser tests need Debian's chromium at {CHROMIUM}"
        if os.environ.get("CI"):
            pytest.fail(message + " (make test installs it when run as root)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse database calls from the test body; the test is synchronous, so allow them.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        # While the loop runs, Django keeps the test body's database connection in a
        # context-local slot that the test database's teardown never closes (PostgreSQL
        # then refuses to drop a database in use): close it before the loop stops.
        connections.close_all()
        browser.close()


@pytest.fixture
def page(chromium, request):
    """A fresh browser page; a screenshot of where it ended is kept in test-artifacts/."""
    context = chromium.new_context()
    page = context.new_page()
    yield page
    name = request.node.name.replace("/", "_")[:100]
    with contextlib.suppress(Exception):
        page.screenshot(path=str(artifacts_dir() / f"{name}-last.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite database file, made once per session (migrating takes seconds):
    tests that start ``manage.py serve`` on SQLite copy it."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("sqlite-template")
    env = serve_environment(folder)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**_without_florilege(os.environ), **env},
        check=True,
    )
    return folder / "florilege.sqlite3"


def _without_florilege(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without this run's settings (a child gets its own)."""
    kept = {
        k: v
        for k, v in environ.items()
        if not k.startswith("FLORILEGE_") and k not in {"DATABASE_URL", "CI_POSTGRES_URL"}
    }
    return kept | {"DJANGO_SETTINGS_MODULE": "florilege.settings"}


def serve_environment(data_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {
        "FLORILEGE_SECRET_KEY": "serve-process-test-" + "k" * 40,
        "FLORILEGE_DATA_DIR": str(data_dir),
        "FLORILEGE_ALLOW_NETWORKS": "127.0.0.0/8",
        "FLORILEGE_WORKER_IDLE_SECONDS": "0.2",
        "FLORILEGE_LOG_LEVEL": "INFO",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@pytest.fixture
def serve(tmp_path, request) -> Iterator[Callable[..., ServeProcess]]:
    """Start ``manage.py serve`` processes on this test's database: PostgreSQL's test
    database (the test must be ``django_db(transaction=True)`` to share rows with it), or
    on SQLite a migrated file of its own. ``prepare(env)`` runs before serve starts (to
    seed that file, say). Every process left is killed afterwards."""
    import shutil

    from django.db import connection

    started: list[ServeProcess] = []

    def start(
        prepare: Callable[[dict[str, str]], None] | None = None, **extra: str
    ) -> ServeProcess:
        if connection.vendor == "postgresql":
            env = serve_environment(tmp_path, database_url_of(connection.settings_dict))
            if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
                env["FLORILEGE_DB_POOLED"] = "1"  # the suite runs behind PgBouncer
        else:
            shutil.copy(request.getfixturevalue("migrated_sqlite"), tmp_path / "florilege.sqlite3")
            env = serve_environment(tmp_path)
        env = _without_florilege(os.environ) | env | extra
        if prepare is not None:  # with the database serve will use, before serve starts
            prepare(env)
        proc = ServeProcess(env, tmp_path / "serve.log")
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            proc.kill_tree()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """One line saying how many tests were skipped for want of the shared corpora, and
    which: without it, a user's machine reports a bare count of skips."""
    missing: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        if CORPUS_MISSING in reason:
            what = reason.split(CORPUS_MISSING, 1)[1].split(" not found at ", 1)[0].strip()
            missing[what] = missing.get(what, 0) + 1
    if missing:
        count = sum(missing.values())
        terminalreporter.write_line(
            f"{count} test{'s' if count > 1 else ''} skipped: the shared corpora (../shared/data, "
            f"or $SHARED_DATA) are missing: {', '.join(sorted(missing))}. "
            "See docs/development.md, 'Tests that need the shared corpora'."
        )
