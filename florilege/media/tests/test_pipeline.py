"""A scoop's picture from publication to the page: a row when it is published, the
``pictures`` stage fetching it through the guarded client and making our thumbnails, the
pages showing them (and nothing before); and every hostile answer ending as a failure the
curator reads, with the scoop still published."""

from __future__ import annotations

import gzip
import io
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from florilege.curation.models import Scoop
from florilege.curation.services import scooping
from florilege.jobs.registry import StageContext, get
from florilege.lib import images, media
from florilege.lib.http import FetchPolicy, GuardedClient
from florilege.media import services
from florilege.media.models import Picture
from florilege.media.tests.helpers import picture_bytes
from florilege.media.tests.test_thumbnails import png_announcing
from florilege.testing import LoopbackServer, Reply

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PNG = {"Content-Type": "image/png"}


def publish(topic, curator, image_url: str, n: int = 1, capture=None) -> Scoop:
    draft = scooping.ScoopDraft(
        url=f"https://news.example/story-{n}",
        title=f"Story {n}",
        insight="Worth reading.",
        image_url=image_url,
    )
    with capture(execute=True):
        scoop = scooping.scoop_url(topic, curator, draft, NOW)
    scoop.refresh_from_db()
    return scoop


def run_stage(now: datetime = NOW, client_factory=None) -> int:
    ctx = StageContext(now=now)
    if client_factory is not None:
        ctx.client_factory = client_factory
    return get("pictures").run(ctx)


def test_published_picture_is_processed_and_served_from_our_origin(
    client, topic, curator, loopback: LoopbackServer, django_capture_on_commit_callbacks
) -> None:
    photo = io.BytesIO()
    Image.new("RGB", (1600, 900), (200, 40, 40)).save(photo, format="JPEG")
    loopback.routes["/photo.jpg"] = Reply(200, photo.getvalue(), {"Content-Type": "image/jpeg"})
    scoop = publish(topic, curator, loopback.url("/photo.jpg"),
                    capture=django_capture_on_commit_callbacks)  # fmt: skip
    assert scoop.status == "published"
    assert scoop.picture is not None and scoop.picture.status == Picture.Status.PENDING
    # Before the worker has made it: the scoop shows, without a picture, and the page
    # never sends the reader to the picture's site.
    page = client.get(f"/t/{topic.slug}/").content.decode()
    assert "Story 1" in page and "<picture" not in page and loopback.base not in page
    assert loopback.requests == []

    assert run_stage() == 1
    picture = Picture.objects.get(scoops=scoop)
    assert picture.status == Picture.Status.READY, picture.error
    assert (picture.width, picture.height, picture.color) == (1600, 900, "#c82828")
    card = picture.renditions["card"]
    assert (card["width"], card["height"]) == (640, 360)
    assert [path for path, _ in loopback.requests] == ["/photo.jpg"]

    page = client.get(f"/t/{topic.slug}/").content.decode()
    # A phone is offered the squares its list shows (4.75rem: 160 px at 2x, 240 at 3x);
    # wider screens every page thumbnail by width, for the list's slot; browsers without
    # WebP the card's JPEG.
    r = picture.renditions
    assert [(r[n]["width"], r[n]["height"]) for n in ("square", "square-large")] == [
        (160, 160), (240, 240),
    ]  # fmt: skip
    assert "jpeg" not in r["square"] and "jpeg" not in r["square-large"]
    by_width = {r[n]["width"]: r[n] for n in ("small", "medium", "card", "large")}
    assert sorted(by_width) == [160, 320, 640, 1200]
    webp = ", ".join(f"/media/{by_width[w]['webp']} {w}w" for w in (160, 320, 640))
    squares = f"/media/{r['square']['webp']} 160w, /media/{r['square-large']['webp']} 240w"
    sizes = "(min-width: 40rem) 10rem, 9rem"
    assert (
        f'<picture><source type="image/webp" media="(max-width: 39.99rem)" srcset="{squares}" '
        f'sizes="4.75rem"><source type="image/webp" srcset="{webp}" sizes="{sizes}">'
        f'<img src="/media/{card["jpeg"]}" alt="" width="640" height="360"'
    ) in page
    assert 'class="pc-200" loading="lazy"' in page and loopback.base not in page
    grid = client.get(f"/t/{topic.slug}/?layout=grid").content.decode()
    assert 'sizes="(min-width: 64rem) 24rem, (min-width: 40rem) 10rem, 9rem"' in grid
    assert f'media="(max-width: 39.99rem)" srcset="{squares}"' in grid
    permalink = client.get(scoop.get_absolute_url()).content.decode()
    # A scoop's own card shows the whole picture: no square.
    assert f'<picture><source type="image/webp" srcset="{webp}" sizes="' in permalink

    served = client.get(f"/media/{card['webp']}")
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (640, 360)
    # Done once: the next cycle has nothing to do.
    assert run_stage(NOW + timedelta(minutes=5)) == 0


def test_an_upload_is_read_from_our_storage_not_fetched(
    topic, curator, django_capture_on_commit_callbacks
) -> None:
    upload = services.upload(picture_bytes((500, 500)), "PNG", NOW)
    name = media.stored_name_of(upload)
    assert name is not None and media.is_upload(name) and media.storage().exists(name)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"fetched {request.url}")

    scoop = publish(topic, curator, upload, capture=django_capture_on_commit_callbacks)
    assert run_stage(client_factory=lambda: GuardedClient(
        FetchPolicy(), transport=httpx.MockTransport(refuse))) == 1  # fmt: skip
    picture = Picture.objects.get(scoops=scoop)
    assert picture.status == Picture.Status.READY and picture.width == 500
    # Made into thumbnails, the original (with whatever metadata it had) is deleted.
    assert not media.storage().exists(name)


def test_an_upload_whose_file_is_gone_fails_with_a_reason(topic, curator) -> None:
    upload = services.upload(picture_bytes(), "PNG", NOW)
    name = media.stored_name_of(upload)
    assert name is not None
    media.storage().delete(name)
    run_stage()
    picture = Picture.objects.get(source_url=upload)
    assert picture.status == Picture.Status.FAILED and picture.error_code == "missing"
    assert picture.reason == "The uploaded file is missing."


def test_a_preview_upload_no_scoop_took_is_pruned_after_the_configured_age(
    topic, curator, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CONFIG = replace(settings.CONFIG, UPLOAD_UNUSED_HOURS=30)
    previewed = services.upload(picture_bytes(color=(9, 9, 9)), "PNG", NOW)
    pending = services.upload(picture_bytes(color=(8, 8, 8)), "PNG", NOW)
    kept = services.upload(picture_bytes(color=(7, 7, 7)), "PNG", NOW)
    # A draft holds its upload from the start, published or not.
    draft = scooping.ScoopDraft(url="https://news.example/d", title="D", insight="Later.",
                                image_url=kept)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        held = scooping.scoop_url(topic, curator, draft, NOW,
                                  scooping.publication.PublishPlan("draft"))  # fmt: skip
    assert held.status == "draft" and held.picture is not None
    # One made into thumbnails, one never processed (its original still stored).
    picture = Picture.objects.get(source_url=previewed)
    assert services.process_now(picture, picture_bytes(color=(9, 9, 9)), NOW)
    picture.refresh_from_db()
    files = picture.file_names()
    original = media.stored_name_of(pending)
    assert original is not None and media.storage().exists(original)

    # An hour is an orphan's grace, not an upload's: the curator may come back to it.
    assert services.prune(NOW + timedelta(hours=2)) == 0
    assert services.prune(NOW + timedelta(hours=29)) == 0
    assert services.prune(NOW + timedelta(hours=31)) == 2
    assert set(Picture.objects.values_list("source_url", flat=True)) == {kept}
    assert not any(media.storage().exists(n) for n in files)
    assert not media.storage().exists(original)


def old_style_upload(color: tuple[int, int, int]) -> str:
    """A file as the scoop form stored an upload before uploads went through the stage:
    re-encoded in the request, under images/, with no picture row."""
    data = picture_bytes((300, 200), color, "PNG")
    return media.store(images.CleanImage(data, "png", 300, 200))


def age(name: str, when: datetime) -> None:
    stamp = when.timestamp()
    os.utime(media.storage().path(name), (stamp, stamp))


def test_old_files_under_images_that_nothing_names_are_swept(topic, curator, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, UPLOAD_UNUSED_HOURS=30)
    stray = old_style_upload((1, 1, 1))  # a preview no scoop took
    young = old_style_upload((2, 2, 2))  # as old as a picture being made now
    drafted = old_style_upload((3, 3, 3))  # a draft of those days holds it, no row
    source = old_style_upload((4, 4, 4))  # published then: the source of a picture
    Scoop.objects.create(topic=topic, curator=curator, url="https://news.example/d",
                         canonical_url="https://news.example/d", title="D",
                         image_url=media.url_of(drafted), status="draft")  # fmt: skip
    picture = services.request(media.url_of(source), NOW)
    assert picture is not None
    assert services.process_now(picture, picture_bytes((300, 200), (4, 4, 4)), NOW)
    picture.refresh_from_db()
    thumbnails = picture.file_names()
    everything = {stray, young, drafted, source} | thumbnails
    for name in everything - {young}:
        age(name, NOW - timedelta(hours=31))
    age(young, NOW - timedelta(hours=29))
    shards = {name.split("/")[1] for name in everything}

    assert sum(services.sweep_strays(NOW, shard) for shard in shards) == 1
    assert not media.storage().exists(stray)
    assert all(media.storage().exists(name) for name in everything - {stray})
    # A folder that does not exist, or holds nothing to sweep.
    assert services.sweep_strays(NOW, "zz") == 0
    assert sum(services.sweep_strays(NOW, shard) for shard in shards) == 0
    # Once old enough, the young one goes too; the others are named.
    later = NOW + timedelta(hours=2)
    assert sum(services.sweep_strays(later, shard) for shard in shards) == 1
    assert not media.storage().exists(young)


def test_the_stage_sweeps_one_folder_per_period(settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, UPLOAD_UNUSED_HOURS=30)
    stray = old_style_upload((5, 5, 5))
    age(stray, NOW - timedelta(days=3))
    shard = int(stray.split("/")[1], 16)
    # The period whose turn that folder is.
    period = next(p for p in range(int(NOW.timestamp() // 600) + 1, 10**9)
                  if p % services.STRAY_SHARDS == shard)  # fmt: skip
    run_stage(datetime.fromtimestamp(period * 600 - 1, UTC))  # the period before
    assert media.storage().exists(stray)
    run_stage(datetime.fromtimestamp(period * 600 + 1, UTC))
    assert not media.storage().exists(stray)


def gzip_bomb() -> Reply:
    # 60 KB on the wire, far more once inflated: the cap is counted as it inflates.
    body = gzip.compress(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30_000_000)
    return Reply(200, body, {**PNG, "Content-Encoding": "gzip"})


def truncated_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((800, 600), 80).convert("RGB").save(out, format="JPEG")
    return out.getvalue()[: len(out.getvalue()) // 2]


HOSTILE = {
    "/bomb.png": (Reply(200, png_announcing(100_000, 100_000), PNG), "pixels"),
    "/svg-as-png.png": (Reply(200, b'<svg xmlns="http://www.w3.org/2000/svg"/>', PNG), "svg"),
    "/truncated.jpg": (Reply(200, truncated_jpeg(), {"Content-Type": "image/jpeg"}), "unreadable"),
    "/huge.jpg": (
        Reply(200, b"\xff\xd8" + b"x" * 3_000_000, {"Content-Type": "image/jpeg"}),
        "too_big",
    ),
    "/gzip-bomb.png": (gzip_bomb(), "too_big"),
    "/page.html": (Reply(200, b"%PDF-1.7 a document", {"Content-Type": "text/html"}), "unreadable"),
    "/gone.png": (Reply(404, b"not found", {"Content-Type": "text/plain"}), "http"),
}


def test_hostile_pictures_fail_with_a_reason_and_the_scoops_stay_published(
    client, client_in, topic, curator, loopback: LoopbackServer, settings,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    settings.CONFIG = replace(settings.CONFIG, IMAGE_MAX_BYTES=2_000_000)
    for path, (reply, _) in HOSTILE.items():
        loopback.routes[path] = reply
    loopback.routes["/good.png"] = Reply(200, picture_bytes(), PNG)
    scoops = {
        path: publish(
            topic, curator, loopback.url(path), n, capture=django_capture_on_commit_callbacks
        )
        for n, path in enumerate([*HOSTILE, "/good.png"])
    }
    assert run_stage() == len(scoops)  # no exception out of the stage

    for path, (_, code) in HOSTILE.items():
        picture = Picture.objects.get(scoops=scoops[path])
        assert (path, picture.status, picture.error_code) == (path, "failed", code)
        assert picture.reason and not picture.renditions
    assert Picture.objects.get(scoops=scoops["/good.png"]).status == "ready"
    # Never retried: a later cycle fetches nothing.
    before = len(loopback.requests)
    assert run_stage(NOW + timedelta(days=1)) == 0 and len(loopback.requests) == before

    page = client.get(f"/t/{topic.slug}/").content.decode()
    assert all(f"Story {n}" in page for n in range(len(scoops)))
    assert page.count("<picture>") == 1 and loopback.base not in page
    # The curator sees why, on the scoop's page.
    bomb = scoops["/bomb.png"]
    edit = client_in.get(f"/curate/t/{topic.slug}/scoops/{bomb.pk}/").content.decode()
    assert "The picture could not be used:" in edit and "too many pixels" in edit


def public_resolver(addresses: dict[str, str]):
    async def resolve(host: str, port: int) -> list[str]:
        return [addresses.get(host, "93.184.216.34")]

    return resolve


def test_a_redirect_to_loopback_is_refused(topic, curator, django_capture_on_commit_callbacks):
    """Under the production policy (no private range allowed), a picture whose address
    redirects to this machine is never fetched from it."""
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if request.url.host == "pics.example":
            return httpx.Response(302, headers={"Location": "http://127.0.0.1:8080/admin.png"},
                                  stream=httpx.ByteStream(b""))  # fmt: skip
        # A stream, as a real transport gives: the client reads it under its size cap.
        return httpx.Response(200, stream=httpx.ByteStream(picture_bytes()))

    def factory() -> GuardedClient:
        return GuardedClient(FetchPolicy(), resolver=public_resolver({}),
                             transport=httpx.MockTransport(handle))  # fmt: skip

    scoop = publish(topic, curator, "https://pics.example/a.png",
                    capture=django_capture_on_commit_callbacks)  # fmt: skip
    assert run_stage(client_factory=factory) == 1
    picture = Picture.objects.get(scoops=scoop)
    assert (picture.status, picture.error_code) == ("failed", "blocked")
    assert asked == ["https://pics.example/a.png"]
    assert Scoop.objects.visible().filter(pk=scoop.pk).exists()


def test_a_server_error_is_tried_again_later(
    topic, curator, loopback: LoopbackServer, django_capture_on_commit_callbacks
) -> None:
    loopback.routes["/flaky.png"] = Reply(503, b"busy", {"Content-Type": "text/plain"})
    scoop = publish(topic, curator, loopback.url("/flaky.png"),
                    capture=django_capture_on_commit_callbacks)  # fmt: skip
    assert run_stage() == 1
    picture = Picture.objects.get(scoops=scoop)
    assert (picture.status, picture.attempts) == ("pending", 1)
    assert picture.due_at == NOW + timedelta(minutes=1)
    assert run_stage(NOW + timedelta(seconds=30)) == 0
    loopback.routes["/flaky.png"] = Reply(200, picture_bytes(), PNG)
    assert run_stage(NOW + timedelta(minutes=2)) == 1
    assert Picture.objects.get(scoops=scoop).status == "ready"


def test_a_picture_nothing_shows_is_forgotten_with_its_files(
    topic, curator, loopback: LoopbackServer, django_capture_on_commit_callbacks
) -> None:
    loopback.routes["/a.png"] = Reply(200, picture_bytes(color=(1, 2, 3)), PNG)
    loopback.routes["/same-bytes.png"] = Reply(200, picture_bytes(color=(1, 2, 3)), PNG)
    first = publish(topic, curator, loopback.url("/a.png"), 1,
                    capture=django_capture_on_commit_callbacks)  # fmt: skip
    second = publish(topic, curator, loopback.url("/same-bytes.png"), 2,
                     capture=django_capture_on_commit_callbacks)  # fmt: skip
    run_stage()
    gone = Picture.objects.get(scoops=first)
    names = gone.file_names()
    assert names == Picture.objects.get(scoops=second).file_names()
    first.delete()
    # Within the grace period, kept.
    assert services.prune(NOW + timedelta(minutes=10)) == 0
    # Its files are the other picture's too: they stay.
    assert services.prune(NOW + timedelta(hours=2)) == 1
    assert not Picture.objects.filter(pk=gone.pk).exists()
    assert all(media.storage().exists(name) for name in names)
    second.delete()
    assert services.prune(NOW + timedelta(hours=2)) == 1
    assert not any(media.storage().exists(name) for name in names)


def test_choosing_a_failed_picture_again_tries_it_again(topic, curator, loopback) -> None:
    url = loopback.url("/later.png")
    picture = services.request(url, NOW)
    assert picture is not None
    run_stage()
    assert Picture.objects.get(pk=picture.pk).status == "failed"
    loopback.routes["/later.png"] = Reply(200, picture_bytes(), PNG)
    again = services.request(url, NOW + timedelta(hours=1))
    assert again is not None and again.pk == picture.pk and again.status == "pending"
    assert run_stage(NOW + timedelta(hours=1)) == 1
    assert Picture.objects.get(pk=picture.pk).status == "ready"


def test_an_export_names_an_uploads_thumbnail_not_its_deleted_original(
    topic, curator, django_capture_on_commit_callbacks
) -> None:
    from florilege.curation.services.topics import export_topic

    upload = services.upload(picture_bytes((500, 500)), "PNG", NOW)
    publish(topic, curator, upload, capture=django_capture_on_commit_callbacks)
    # Not made yet: no address to give (the original is never served).
    assert [s["image_url"] for s in export_topic(topic, curator, NOW)["scoops"]] == [""]
    run_stage()
    large = Picture.objects.get(source_url=upload).renditions["large"]["jpeg"]
    exported = export_topic(topic, curator, NOW)["scoops"]
    assert [s["image_url"] for s in exported] == [media.url_of(large)]
