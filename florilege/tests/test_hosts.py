"""Two hosts, one database and one Redis: ``manage.py serve`` twice (each a web server and
a worker), each with a data folder of its own, both on this test's PostgreSQL database and
on one Redis for the page cache. What one host renders or stores, the other serves right;
nothing either needs is on the other's disk.

PostgreSQL only: two hosts cannot share a SQLite file. Redis must answer on 127.0.0.1:6379
(CI starts one); without it the test skips.
"""

from __future__ import annotations

import re
import socket
import time

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.topics.models import Topic

REDIS_DB = 8
PASSWORD = "a-long-test-password"


def redis_answers() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two hosts share PostgreSQL"),
    pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379"),
]


def flush_redis() -> None:
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()


def log_in(base: str, username: str) -> httpx.Client:
    """A browser session opened on the host at ``base`` (the real login form)."""
    browser = httpx.Client(base_url=base, timeout=60)
    form = browser.get(reverse("login")).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token, form[:2000]
    done = browser.post(
        reverse("login"),
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD},
        headers={"Referer": base + reverse("login")},
    )
    assert done.status_code == 302, done.text[:2000]
    return browser


@pytest.mark.django_db(transaction=True)
def test_two_hosts_share_cache_and_sessions_and_nothing_local(
    serve, tmp_path, curator, settings
) -> None:
    # The hosts run the production settings, which do not read the suite's fast hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    curator.set_password(PASSWORD)
    curator.save()
    flush_redis()
    topic = Topic.objects.create(title="Shared", slug="shared", owner=curator)
    scoop = Scoop.objects.create(
        topic=topic, curator=curator, url="https://news.example/a", title="First title",
        canonical_url="https://news.example/a", insight="Why.", insight_html="<p>Why.</p>",
    )  # fmt: skip
    shared = {
        "FLORILEGE_CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "FLORILEGE_WORKER_IDLE_SECONDS": "1",
    }
    hosts = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        hosts.append(serve(FLORILEGE_DATA_DIR=str(folder), **shared))
    a, b = hosts
    page = reverse("publishing:topic", args=[topic.slug])
    for host in hosts:
        host.wait_ready(page, timeout=240)
    assert a.env["FLORILEGE_DATA_DIR"] != b.env["FLORILEGE_DATA_DIR"]

    # Rendered on host A, stored in Redis.
    flush_redis()
    assert "First title" in a.get(page, timeout=60).text
    # Changed underneath without touching the topic's version (a queryset update sends no
    # signal): a host that rendered the page now would show the new title, so host B's
    # old title proves it served A's copy from the shared cache.
    Scoop.objects.filter(pk=scoop.pk).update(title="Second title")
    assert "First title" in b.get(page, timeout=60).text
    # A change through the application bumps the version in the database: both hosts
    # serve the new page at once (after the version memo of a second).
    scoop.title = "Third title"
    scoop.save()
    time.sleep(1.2)
    assert "Third title" in a.get(page, timeout=60).text
    assert "Third title" in b.get(page, timeout=60).text

    # A session opened on host A is valid on host B: sessions live in the database.
    browser = log_in(a.base, curator.username)
    dashboard = reverse("curation:dashboard")
    assert browser.get(dashboard).status_code == 200
    on_b = httpx.get(b.base + dashboard, cookies=browser.cookies, timeout=60)
    assert on_b.status_code == 200 and "Shared" in on_b.text

    # Nothing else a host writes is needed by the other: each data folder holds only
    # collected static files (and, uploads aside, nothing of the instance's content).
    for name in ("a", "b"):
        kept = {p.name for p in (tmp_path / name).iterdir()}
        assert kept <= {"static", "media"}, kept


def test_uploaded_pictures_need_shared_storage() -> None:
    """Uploads are files: with several web hosts they must be on storage every host sees."""
    backend = django_settings.STORAGES["default"]["BACKEND"]
    if backend == "django.core.files.storage.FileSystemStorage":
        pytest.skip(
            "media are stored in <data folder>/media (FileSystemStorage) in this run: several "
            "web hosts need one shared folder or FLORILEGE_MEDIA_STORAGE=s3, which "
            "test_hosts_media.py runs across hosts (docs/operations.md, Topology)"
        )
    assert "s3" in backend.lower(), backend
