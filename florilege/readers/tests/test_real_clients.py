"""Real reader apps against a live server on loopback: the ``miniflux`` Python client from
PyPI, and Debian's newsboat through its ``miniflux`` and ``feedhq`` (Google Reader style)
backends. newsboat reloads into its SQLite cache, which the test reads; then a tmux-driven
session marks a feed read ("A") and the change reaches the queue."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from florilege.curation.models import Scoop
from florilege.readers.models import SeenSuggestion
from florilege.readers.tests.fixtures import app_password, queue_of
from florilege.suggestions.models import Suggestion

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_miniflux_client_triages_the_queue(live_server, curator, topic):
    miniflux = pytest.importorskip("miniflux")
    made = queue_of(topic, 4)
    secret = app_password(curator)
    client = miniflux.Client(live_server.url, username="curator", password=secret)
    assert client.me()["username"] == "curator"
    assert [c["title"] for c in client.get_categories()] == ["Social networks"]
    feeds = client.get_feeds()
    assert feeds[0]["id"] == topic.pk and feeds[0]["category"]["id"] == topic.pk
    unread = client.get_entries(status="unread", limit=10)
    assert unread["total"] == 4
    assert [e["id"] for e in unread["entries"]] == [s.pk for s in made]  # best first
    client.update_entries([made[0].pk], status="read")
    assert SeenSuggestion.objects.filter(user=curator, suggestion=made[0]).exists()
    assert client.get_entries(status="unread")["total"] == 3
    assert client.get_feed_counters()["unreads"] == {str(topic.pk): 3}
    client.toggle_bookmark(made[1].pk)
    scoop = Scoop.objects.get(topic=topic)
    assert scoop.entry_id == made[1].entry_id and scoop.status == "draft"
    client.update_entries([made[2].pk], status="removed")
    made[2].refresh_from_db()
    assert made[2].status == Suggestion.Status.DISCARDED
    by_token = miniflux.Client(live_server.url, api_key=secret)
    assert by_token.get_category_entries(topic.pk, status="unread")["total"] == 1
    with pytest.raises(miniflux.AccessUnauthorized):
        miniflux.Client(live_server.url, username="curator", password="a-long-test-password").me()


def _newsboat() -> str:
    found = shutil.which("newsboat")
    if found is None:
        pytest.skip("newsboat is not installed (make test installs it as root: apt-get)")
    version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
    assert version.startswith("newsboat 2."), version
    return found


def _run(home: Path, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "LANG": "C.UTF-8"}
    files = ["-C", str(home / "config"), "-u", str(home / "urls"), "-c", str(home / "cache.db")]
    return subprocess.run(
        [_newsboat(), *files, *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def _items(home: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(home / "cache.db") as db:
        rows = db.execute("SELECT guid, title, unread FROM rss_item ORDER BY title").fetchall()
    return [(str(g), str(t), int(u)) for g, t, u in rows]


def _setup(tmp_path: Path, config: str) -> Path:
    home = tmp_path / "newsboat"
    home.mkdir()
    (home / "urls").write_text("")
    (home / "config").write_text(config)
    return home


def _wait(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def _drive(home: Path, keys: list[str], done: Callable[[], bool], screen: str) -> None:
    """An interactive session in a detached tmux: wait for ``screen`` to show, send each
    key, wait for ``done`` (newsboat syncs flags to the server as it changes them), quit."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed: the interactive part is skipped")
    name = f"nb{os.getpid()}"
    files = f"-C {home}/config -u {home}/urls -c {home}/cache.db"
    env = {**os.environ, "HOME": str(home), "LANG": "C.UTF-8", "TERM": "xterm"}
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40",
                    f"{_newsboat()} {files}"], check=True, env=env)  # fmt: skip

    def shows(text: str) -> Callable[[], bool]:
        def check() -> bool:
            pane = subprocess.run(["tmux", "capture-pane", "-p", "-t", name],
                                  capture_output=True, text=True)  # fmt: skip
            return text in pane.stdout

        return check

    try:
        assert _wait(shows(screen)), "newsboat did not show its feed list"
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", name, key], check=True)
            time.sleep(0.5)
        _wait(done)
        subprocess.run(["tmux", "send-keys", "-t", name, "Q"], check=True)
        time.sleep(1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def test_newsboat_miniflux_backend(live_server, curator, topic, tmp_path):
    made = queue_of(topic, 3)
    secret = app_password(curator)
    home = _setup(tmp_path, (
        'urls-source "miniflux"\n'
        f'miniflux-url "{live_server.url}"\n'
        'miniflux-login "curator"\n'
        f'miniflux-password "{secret}"\n'
    ))  # fmt: skip
    result = _run(home, "-x", "reload")
    assert result.returncode == 0, result.stderr
    items = _items(home)
    assert [(g, u) for g, _t, u in items] == [(str(s.pk), 1) for s in made]

    def seen() -> bool:
        return SeenSuggestion.objects.filter(user=curator).count() == 3

    _drive(home, ["A"], seen, "Social networks")  # mark every item of the selected feed read
    assert seen()


def test_newsboat_google_reader_backend(live_server, curator, topic, tmp_path):
    """newsboat 2.21's Google Reader backends: ``oldreader`` is wired to theoldreader.com,
    ``feedhq`` takes a server address (``feedhq-url``) and reads streams as Atom."""
    made = queue_of(topic, 3)
    secret = app_password(curator)
    home = _setup(tmp_path, (
        'urls-source "feedhq"\n'
        f'feedhq-url "{live_server.url}/api/greader.php"\n'
        'feedhq-login "curator"\n'
        f'feedhq-password "{secret}"\n'
        'feedhq-flag-star "s"\n'
        'feedhq-show-special-feeds no\n'
    ))  # fmt: skip
    SeenSuggestion.objects.create(user=curator, suggestion=made[2])
    result = _run(home, "-x", "reload")
    assert result.returncode == 0, result.stderr
    from florilege.readers.ids import long_id

    items = _items(home)
    assert sorted((g, u) for g, _t, u in items) == sorted(
        [(long_id(made[0].pk), 1), (long_id(made[1].pk), 1), (long_id(made[2].pk), 0)]
    )

    def seen() -> bool:
        return SeenSuggestion.objects.filter(user=curator).count() == 3

    _drive(home, ["A"], seen, "Social networks")
    assert seen()


def test_newsboat_star_scoops(live_server, curator, topic, tmp_path):
    """Starring in newsboat (edit flags, "s" as ``feedhq-flag-star``) scoops the item: a
    draft for the curator to finish."""
    queue_of(topic, 2)
    secret = app_password(curator)
    home = _setup(tmp_path, (
        'urls-source "feedhq"\n'
        f'feedhq-url "{live_server.url}/api/greader.php"\n'
        'feedhq-login "curator"\n'
        f'feedhq-password "{secret}"\n'
        'feedhq-flag-star "s"\n'
        'feedhq-show-special-feeds no\n'
    ))  # fmt: skip
    assert _run(home, "-x", "reload").returncode == 0
    _drive(home, ["Enter", "C-e", "s", "Enter"], Scoop.objects.exists, "Social networks")
    scoop = Scoop.objects.get(topic=topic)
    assert scoop.status == "draft"
    assert Suggestion.objects.get(entry=scoop.entry).status == Suggestion.Status.SCOOPED
