"""Worker pools and web servers as separate hosts: each a process with a data folder of its
own, all on this test's PostgreSQL database, one Redis (the page cache) and one
S3-compatible store (moto's server) for media.

A scheduled scoop is published by one worker host (``--stages publish_due``), its picture
fetched and made into thumbnails by another (``--stages pictures``), and its topic page
served by two web hosts (granian, as ``manage.py serve`` runs it, without a worker of its
own): the thumbnail the page shows must come from the bucket, the page from Redis. Were
either written to the disk of the host that made it, the web hosts, whose folders are
elsewhere, would answer 404 or render the page themselves, and the test fails.

PostgreSQL only (hosts cannot share a SQLite file); skipped without Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from florilege.conftest import _without_florilege, serve_environment
from florilege.curation.models import Scoop
from florilege.curation.services.publication import attach_picture
from florilege.media.models import Picture
from florilege.media.tests.helpers import picture_bytes
from florilege.testing import database_url_of, free_port
from florilege.tests.test_hosts import redis_answers
from florilege.topics.models import Topic

REPO = Path(__file__).resolve().parents[2]
BUCKET = "florilege-hosts"
# The Redis database of the page cache; a run beside others can pick its own.
REDIS_DB = int(os.environ.get("FLORILEGE_TEST_REDIS_DB", "8"))

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="hosts share PostgreSQL"),
    pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379"),
]


@pytest.fixture
def s3() -> Iterator[tuple[str, object]]:
    """moto's S3 server on loopback, with an empty bucket: (its address, a client)."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test-key", aws_secret_access_key="test-secret",
    )  # fmt: skip
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    # moto keeps its buckets in this process, whatever server: leave none behind.
    for found in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=found["Key"])
    client.delete_bucket(Bucket=BUCKET)
    server.stop()


@pytest.fixture
def picture_site() -> Iterator[str]:
    """A loopback site with one PNG: what a scoop's article would show."""
    body = picture_bytes((900, 500), (200, 60, 30))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/photo.png"
    server.shutdown()


@pytest.fixture
def hosts(tmp_path) -> Iterator[Callable[..., tuple[subprocess.Popen[bytes], Path]]]:
    """Start a host: a command in its own session, its output in a file of its data folder.
    Every host is killed afterwards, its whole process group."""
    started: list[subprocess.Popen[bytes]] = []

    def start(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
        folder = Path(env["FLORILEGE_DATA_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        log = tmp_path / f"{folder.name}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        started.append(proc)
        return proc, log

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for(check: Callable[[], bool], what: str, timeout: float, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            tails = "\n".join(
                f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs
            )
            pytest.fail(f"{what} within {timeout:.0f} s\n{tails}")
        time.sleep(0.3)


def files_under(folder: Path) -> list[str]:
    return [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()]


@pytest.mark.django_db(transaction=True)
def test_a_picture_made_on_a_worker_host_is_served_by_the_web_hosts(
    tmp_path, s3, picture_site, hosts, curator
) -> None:
    import redis

    endpoint, bucket = s3
    cache = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    cache.flushdb()
    shared = _without_florilege(os.environ) | {
        "DATABASE_URL": database_url_of(connection.settings_dict),
        "FLORILEGE_CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "FLORILEGE_MEDIA_STORAGE": "s3",
        "FLORILEGE_S3_BUCKET": BUCKET,
        "FLORILEGE_S3_ENDPOINT_URL": endpoint,
        "FLORILEGE_S3_REGION": "us-east-1",
        "FLORILEGE_S3_ACCESS_KEY_ID": "test-key",
        "FLORILEGE_S3_SECRET_ACCESS_KEY": "test-secret",
    }
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        shared["FLORILEGE_DB_POOLED"] = "1"  # the suite runs behind PgBouncer

    def env_of(name: str) -> dict[str, str]:
        return shared | serve_environment(tmp_path / name)

    now = timezone.now()
    topic = Topic.objects.create(title="Hosts", slug="hosts", owner=curator)
    scoop = Scoop.objects.create(
        topic=topic, curator=curator, url="https://news.example/a", title="Made elsewhere",
        canonical_url="https://news.example/a", insight="Why.", insight_html="<p>Why.</p>",
        image_url=picture_site, status="scheduled", published_at=now - timedelta(seconds=1),
    )  # fmt: skip
    attach_picture(scoop, now)

    # The worker pools first (they need no static files), then the web hosts.
    manage = [sys.executable, "manage.py"]
    _, pictures_log = hosts([*manage, "worker", "--stages", "pictures"], env_of("pictures"))
    _, publish_log = hosts([*manage, "worker", "--stages", "publish_due"], env_of("publisher"))
    # Static files are part of what is deployed, the same on every web host: collected once.
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=REPO,
                   env=env_of("web-a"), check=True)  # fmt: skip
    shutil.copytree(tmp_path / "web-a" / "static", tmp_path / "web-b" / "static")
    web = []
    for name in ("web-a", "web-b"):
        env = env_of(name)
        port = free_port()
        _, log = hosts([sys.executable, "-m", "granian", "--interface", "wsgi", "--host",
                        "127.0.0.1", "--port", str(port), "--workers", "1", "--no-ws",
                        "florilege.wsgi:application"], env)  # fmt: skip
        web.append((f"http://127.0.0.1:{port}", log))
    logs = [pictures_log, publish_log, *(log for _, log in web)]

    def published_with_picture() -> bool:
        scoop.refresh_from_db()
        assert scoop.picture_id is not None, "attach_picture gave the scoop no picture"
        picture = Picture.objects.get(pk=scoop.picture_id)
        assert picture.status != Picture.Status.FAILED, picture.error
        return scoop.status == "published" and picture.status == Picture.Status.READY

    wait_for(published_with_picture, "published by one host, pictured by another", 45, logs)

    def answers(base: str) -> bool:
        # Not the topic page: each process keeps the pages it served in front of Redis.
        try:
            return httpx.get(base + reverse("login"), timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    for base, _log in web:
        wait_for(functools.partial(answers, base), f"{base} answering", 45, logs)

    # Host A renders the page: its thumbnail is linked under /media/, the page cached.
    cache.flushdb()
    page_a = httpx.get(web[0][0] + "/t/hosts/", timeout=30).text
    images = re.findall(r'src="(/media/[^"]+)"', page_a)
    assert images, page_a[:3000]
    cached = cache.dbsize()
    assert cached, "the page cache wrote nothing to Redis"
    # Host B serves the copy host A left in Redis: a queryset update sends no signal, so a
    # page B rendered itself would show the new title.
    Scoop.objects.filter(pk=scoop.pk).update(title="Changed underneath")
    page_b = httpx.get(web[1][0] + "/t/hosts/", timeout=30).text
    assert "Made elsewhere" in page_b and "Changed underneath" not in page_b

    # Both web hosts serve the thumbnail the pictures host made: from the bucket.
    stored = {o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    for path in images:
        assert path.removeprefix("/media/") in stored, (path, stored)
        for base, _log in web:
            answer = httpx.get(base + path, timeout=30)
            assert answer.status_code == 200, (base, path, answer.status_code)
            assert answer.headers["content-type"].startswith("image/")
            assert Image.open(io.BytesIO(answer.content)).format in {"WEBP", "JPEG"}

    # And no host kept a picture on its own disk.
    for name in ("pictures", "publisher", "web-a", "web-b"):
        media_files = files_under(tmp_path / name / "media") if (tmp_path / name).exists() else []
        assert media_files == [], (name, media_files)
