"""The media storage on an S3-compatible service: moto's server, started on loopback,
spoken to by django-storages' S3 backend (boto3) as a real bucket would be. Thumbnails are
uploaded with a year of caching, served (through /media/, or from the bucket's public
address), and deleted when nothing shows them any more."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image

from florilege import config
from florilege.jobs.registry import StageContext, get
from florilege.lib import csp, media
from florilege.media import services
from florilege.media.models import Picture
from florilege.media.tests.helpers import picture_bytes
from florilege.testing import free_port

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BUCKET = "florilege-pictures"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{BUCKET}/*"}],
}  # fmt: skip


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, settings) -> Iterator[object]:
    """A fresh bucket, and the settings pointing the media storage at it."""
    settings.CONFIG = replace(
        settings.CONFIG,
        MEDIA_STORAGE="s3",
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL=s3_endpoint,
        S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID="test-key",
        S3_SECRET_ACCESS_KEY="test-secret",
    )
    # What settings.py builds from the same options.
    settings.STORAGES = {**settings.STORAGES, "media": config.media_storage(settings.CONFIG)}
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1",
        aws_access_key_id="test-key", aws_secret_access_key="test-secret",
    )  # fmt: skip
    client.create_bucket(Bucket=BUCKET)
    yield client
    for found in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=found["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_thumbnails_go_to_the_bucket_are_served_and_deleted(client, bucket, settings) -> None:
    assert type(media.storage()).__name__ == "S3Storage"
    picture = services.request("https://pics.example/a.png", NOW)
    assert picture is not None
    assert services.process_now(picture, picture_bytes((1000, 500)), NOW)
    picture.refresh_from_db()
    names = picture.file_names()
    # 4 renditions x WebP and JPEG, 2 squares in WebP.
    assert len(names) == 10 and keys(bucket) == names
    card = picture.renditions["card"]
    head = bucket.head_object(Bucket=BUCKET, Key=card["jpeg"])
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head["ContentType"] == "image/jpeg"

    # No public address for the bucket: our own /media/ streams the file from it.
    assert media.page_url(card["webp"]) == f"/media/{card['webp']}"
    served = client.get(f"/media/{card['webp']}")
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    body = b"".join(served.streaming_content)
    assert Image.open(io.BytesIO(body)).size == (640, 320)
    assert client.get("/media/images/00/" + "0" * 32 + "-1x1.png").status_code == 404

    # With one, pages link there and the browser fetches it from the bucket itself (the
    # operator lets anyone read the bucket, as docs/operations.md says).
    bucket.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    public = f"{settings.CONFIG.S3_ENDPOINT_URL}/{BUCKET}/"
    settings.CONFIG = replace(settings.CONFIG, S3_PUBLIC_URL=public)
    assert media.page_url(card["jpeg"]) == public + card["jpeg"]
    assert media.url_of(card["jpeg"]) == public + card["jpeg"]
    fetched = httpx.get(media.page_url(card["jpeg"]))
    assert fetched.status_code == 200
    assert Image.open(io.BytesIO(fetched.content)).format == "JPEG"
    assert csp.img_sources(public) == f"'self' {settings.CONFIG.S3_ENDPOINT_URL} data:"

    # Nothing shows it any more: its files leave the bucket.
    assert services.prune(NOW + timedelta(hours=2)) == 1
    assert keys(bucket) == set()


def test_the_settings_build_the_s3_storage() -> None:
    cfg = config.load({
        "FLORILEGE_DEBUG": "1", "FLORILEGE_MEDIA_STORAGE": "s3",
        "FLORILEGE_S3_BUCKET": "b", "FLORILEGE_S3_ENDPOINT_URL": "https://s3.example",
    })  # fmt: skip
    entry = config.media_storage(cfg)
    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    assert entry["OPTIONS"]["bucket_name"] == "b"
    assert entry["OPTIONS"]["endpoint_url"] == "https://s3.example"
    assert entry["OPTIONS"]["querystring_auth"] is False
    assert "access_key" not in entry["OPTIONS"]  # the environment's credentials then
    with pytest.raises(config.ConfigError, match="S3_BUCKET"):
        config.load({"FLORILEGE_DEBUG": "1", "FLORILEGE_MEDIA_STORAGE": "s3"})
    with pytest.raises(config.ConfigError, match="ending with /"):
        config.load({"FLORILEGE_DEBUG": "1", "FLORILEGE_S3_PUBLIC_URL": "https://cdn.example"})


def test_an_upload_waits_in_the_bucket_only_until_its_thumbnails_are_made(bucket) -> None:
    upload = services.upload(picture_bytes((400, 300)), "PNG", NOW)
    original = media.stored_name_of(upload)
    assert original is not None and keys(bucket) == {original}
    assert get("pictures").run(StageContext(now=NOW)) == 1
    picture = Picture.objects.get(source_url=upload)
    assert picture.status == "ready" and keys(bucket) == picture.file_names()
