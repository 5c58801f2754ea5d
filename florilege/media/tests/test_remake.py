"""Pictures made before the current set of thumbnails, made again: ``manage.py
remake_pictures`` queues them, the ``pictures`` stage makes them (from the original when it
can be had, else from our own widest thumbnail), the pages show the old thumbnails until
then, and the files nothing names any more are swept."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from florilege.lib import images, media
from florilege.media import services
from florilege.media.models import Picture
from florilege.media.signals import picture_ready
from florilege.media.tests.helpers import picture_bytes
from florilege.media.tests.test_pipeline import NOW, PNG, age, publish, run_stage
from florilege.publishing.cache import clear_all
from florilege.testing import LoopbackServer, Reply

pytestmark = pytest.mark.django_db
# What a picture made before the 320-pixel and the square thumbnails lacks.
ADDED = ("medium", "square", "square-large")


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("remake_pictures", *args, stdout=out)
    return out.getvalue()


def made_before(picture: Picture, old_card: bool = True) -> Picture:
    """``picture`` as it was made before ``ADDED`` existed: without them, and with a card
    encoded otherwise than now (another file)."""
    renditions = {n: r for n, r in picture.renditions.items() if n not in ADDED}
    if old_card:
        card = renditions["card"]
        data = picture_bytes((card["width"], card["height"]), (9, 9, 9), "JPEG")
        clean = images.CleanImage(data, "jpg", card["width"], card["height"])
        renditions["card"] = {**card, "jpeg": media.store(clean)}
    Picture.objects.filter(pk=picture.pk).update(renditions=renditions)
    picture.refresh_from_db()
    return picture


@pytest.fixture
def signals():
    sent: list[dict[str, Any]] = []

    def record(sender, **kwargs) -> None:
        sent.append(kwargs)

    picture_ready.connect(record, dispatch_uid="test-remake")
    yield sent
    picture_ready.disconnect(dispatch_uid="test-remake")


def test_a_picture_made_before_gets_what_it_lacks_from_its_own_thumbnail(
    client, topic, curator, loopback: LoopbackServer, signals,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    loopback.routes["/old.png"] = Reply(200, picture_bytes((900, 500)), PNG)
    loopback.routes["/new.png"] = Reply(200, picture_bytes((900, 500), (1, 2, 3)), PNG)
    capture = django_capture_on_commit_callbacks
    scoop = publish(topic, curator, loopback.url("/old.png"), 1, capture=capture)
    publish(topic, curator, loopback.url("/new.png"), 2, capture=capture)
    assert run_stage() == 2
    large = Picture.objects.get(scoops=scoop).renditions["large"]["jpeg"]
    old = made_before(Picture.objects.get(scoops=scoop))
    old_card = old.renditions["card"]["jpeg"]

    assert command("--dry-run") == "remake_pictures: 1 pictures would be queued\n"
    assert command("--all", "--dry-run") == "remake_pictures: 2 pictures would be queued\n"
    started = timezone.now()
    assert "1 pictures queued" in command()
    old.refresh_from_db()
    # Queued for the moment the command ran, to make only what it lacks.
    assert old.status == Picture.Status.PENDING and started <= old.due_at <= timezone.now()
    assert old.remake == services.MISSING
    assert old.is_ready and old.rendition("card") is not None
    # Run again before the worker: nothing more to queue.
    assert "0 pictures queued" in command()
    # Meanwhile the page shows the old thumbnails (the card's old JPEG among them).
    clear_all()
    page = client.get(f"/t/{topic.slug}/").content.decode()
    assert page.count("<picture>") == 2 and f"/media/{old_card}" in page

    # The address now serves another picture: it is not fetched, the curator's stays.
    loopback.routes["/old.png"] = Reply(200, picture_bytes((500, 900), (200, 0, 0)), PNG)
    fetched = len(loopback.requests)
    signals.clear()
    soon = timezone.now() + timedelta(seconds=5)
    assert run_stage(soon) == 1
    assert len(loopback.requests) == fetched
    old.refresh_from_db()
    assert old.status == Picture.Status.READY and set(images.RENDITION_NAMES) <= set(old.renditions)
    assert (old.width, old.height, old.remake, old.replaced) == (900, 500, "", {})
    # Those it had stay as they were; nothing to send again to the fediverse.
    assert old.renditions["card"]["jpeg"] == old_card
    assert old.renditions["large"]["jpeg"] == large
    assert [s["large_changed"] for s in signals] == [False]
    assert "0 pictures queued" in command()
    clear_all()
    page = client.get(f"/t/{topic.slug}/").content.decode()
    assert f"/media/{old.renditions['square']['webp']} 160w" in page


def test_all_fetches_again_and_keeps_the_replaced_files_for_the_grace_period(
    topic, curator, loopback: LoopbackServer, settings, signals,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    loopback.routes["/p.png"] = Reply(200, picture_bytes((900, 500)), PNG)
    scoop = publish(
        topic, curator, loopback.url("/p.png"), capture=django_capture_on_commit_callbacks
    )
    assert run_stage() == 1
    old = made_before(Picture.objects.get(scoops=scoop))
    old_card, large = old.renditions["card"]["jpeg"], old.renditions["large"]["jpeg"]
    assert services.remake(NOW, everything=True) == 1
    old.refresh_from_db()
    assert (old.due_at, old.remake) == (NOW, services.EVERYTHING)
    fetched = len(loopback.requests)
    signals.clear()
    later = NOW + timedelta(minutes=1)
    assert run_stage(later) == 1
    assert len(loopback.requests) == fetched + 1  # from the original, over HTTP
    old.refresh_from_db()
    assert old.status == Picture.Status.READY and set(images.RENDITION_NAMES) <= set(old.renditions)
    assert old.renditions["card"]["jpeg"] != old_card
    # The same large JPEG as before: nothing to send again to the fediverse.
    assert old.renditions["large"]["jpeg"] == large
    assert [s["large_changed"] for s in signals] == [False]
    assert old.replaced == {old_card: later.isoformat()}

    # The old card's file is old, but emails sent, feed readers and the fediverse may link
    # it: it stays UPLOAD_UNUSED_HOURS after it was replaced, then goes with the sweep.
    settings.CONFIG = replace(settings.CONFIG, UPLOAD_UNUSED_HOURS=30)
    for name in {old_card} | old.file_names():
        age(name, later - timedelta(hours=31))
    shard = old_card.split("/")[1]
    assert services.sweep_strays(later + timedelta(minutes=10), shard) == 0
    assert media.storage().exists(old_card)
    assert services.sweep_strays(later + timedelta(hours=31), shard) == 1
    assert not media.storage().exists(old_card)
    assert all(media.storage().exists(n) for n in old.file_names())


@pytest.mark.parametrize(
    "served",
    [picture_bytes((500, 900)), picture_bytes((900, 500), (220, 30, 30))],
    ids=["another-shape", "another-colour"],
)
def test_all_keeps_the_curators_picture_when_its_address_serves_another(
    topic, curator, loopback: LoopbackServer, signals, served: bytes,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    loopback.routes["/p.png"] = Reply(200, picture_bytes((900, 500)), PNG)
    scoop = publish(
        topic, curator, loopback.url("/p.png"), capture=django_capture_on_commit_callbacks
    )
    run_stage()
    picture = made_before(Picture.objects.get(scoops=scoop), old_card=False)
    before = dict(picture.renditions)
    shape = (picture.width, picture.height, picture.color)
    loopback.routes["/p.png"] = Reply(200, served, PNG)
    assert services.remake(NOW, everything=True) == 1
    fetched = len(loopback.requests)
    signals.clear()
    assert run_stage(NOW + timedelta(minutes=1)) == 1
    assert len(loopback.requests) == fetched + 1
    picture.refresh_from_db()
    # Not the same picture: what it lacks is made from its own, the rest stays.
    assert picture.status == Picture.Status.READY, picture.error
    assert {n: picture.renditions[n] for n in before} == before
    assert set(images.RENDITION_NAMES) <= set(picture.renditions)
    assert (picture.width, picture.height, picture.color) == shape
    assert [s["large_changed"] for s in signals] == [False]


def test_a_transient_error_is_tried_again_before_falling_back(
    topic, curator, loopback: LoopbackServer, django_capture_on_commit_callbacks
) -> None:
    loopback.routes["/p.png"] = Reply(200, picture_bytes(), PNG)
    scoop = publish(
        topic, curator, loopback.url("/p.png"), capture=django_capture_on_commit_callbacks
    )
    run_stage()
    picture = made_before(Picture.objects.get(scoops=scoop), old_card=False)
    loopback.routes["/p.png"] = Reply(503, b"busy", {"Content-Type": "text/plain"})
    services.remake(NOW, everything=True)
    when = NOW
    for attempt in range(1, services.MAX_ATTEMPTS):
        when += timedelta(hours=2)
        assert run_stage(when) == 1
        picture.refresh_from_db()
        # Tried again later, its old thumbnails shown meanwhile.
        assert (picture.status, picture.attempts) == (Picture.Status.PENDING, attempt)
        assert picture.rendition("card") is not None and "medium" not in picture.renditions
        assert picture.remake == services.EVERYTHING and picture.due_at > when
    assert run_stage(when + timedelta(hours=2)) == 1
    picture.refresh_from_db()
    # The last attempt: made from its own thumbnail.
    assert picture.status == Picture.Status.READY, picture.error
    assert set(images.RENDITION_NAMES) <= set(picture.renditions)
    assert (picture.remake, picture.error_code) == ("", "")


def test_new_pictures_are_made_before_a_large_remake(loopback: LoopbackServer) -> None:
    data = picture_bytes()
    made = services.request("https://pics.example/model.png", NOW)
    assert made is not None and services.process_now(made, data, NOW)
    made.refresh_from_db()
    lacking = {n: r for n, r in made.renditions.items() if n not in ADDED}
    urls = [f"https://pics.example/{n}.png" for n in range(services.BATCH * 2)]
    Picture.objects.bulk_create(
        Picture(source_url=u, source_key=services.key_of(u), status=Picture.Status.READY,
                renditions=lacking, width=made.width, height=made.height, color=made.color)
        for u in urls
    )  # fmt: skip
    assert services.remake(NOW) == len(urls)
    loopback.routes["/new.png"] = Reply(200, data, PNG)
    new = services.request(loopback.url("/new.png"), NOW + timedelta(minutes=1))
    assert new is not None
    assert run_stage(NOW + timedelta(minutes=2)) == services.BATCH
    new.refresh_from_db()
    assert new.status == Picture.Status.READY, new.error
    assert pending_count() == len(urls) - services.BATCH + 1


def pending_count() -> int:
    return Picture.objects.filter(status="pending").count()


def test_an_upload_is_made_again_from_its_own_thumbnail(
    topic, curator, signals, django_capture_on_commit_callbacks
) -> None:
    upload = services.upload(picture_bytes((1500, 1000)), "PNG", NOW)
    publish(topic, curator, upload, capture=django_capture_on_commit_callbacks)
    run_stage()
    picture = made_before(Picture.objects.get(source_url=upload), old_card=False)
    before = dict(picture.renditions)
    # --all too: its original went once made, so only what it lacks is made.
    assert command("--all", "--dry-run") == "remake_pictures: 1 pictures would be queued\n"
    assert services.remake(NOW, everything=True) == 1
    assert Picture.objects.get(pk=picture.pk).remake == services.MISSING
    signals.clear()
    assert run_stage(NOW + timedelta(minutes=1)) == 1
    picture.refresh_from_db()
    # Its original went once made: the missing ones are made from the large JPEG, and
    # those it had stay as they were, as do its size and colour (the original's).
    assert picture.status == Picture.Status.READY, picture.error
    assert {n: picture.renditions[n] for n in before} == before
    assert set(images.RENDITION_NAMES) <= set(picture.renditions)
    assert picture.renditions["square"]["width"] == 160
    assert picture.renditions["medium"]["width"] == 320
    assert (picture.width, picture.height) == (1500, 1000)
    assert [s["large_changed"] for s in signals] == [False]
    # Nothing more to make of it: --all leaves it out, and says so.
    assert command("--all").startswith(
        "remake_pictures: 0 pictures queued; 1 uploads left out (nothing to make again);"
    )
    assert pending_count() == 0


def test_a_remake_that_cannot_be_done_leaves_the_picture_as_it_was(
    topic, curator, loopback: LoopbackServer, django_capture_on_commit_callbacks
) -> None:
    loopback.routes["/p.png"] = Reply(200, picture_bytes(), PNG)
    scoop = publish(
        topic, curator, loopback.url("/p.png"), capture=django_capture_on_commit_callbacks
    )
    run_stage()
    picture = made_before(Picture.objects.get(scoops=scoop), old_card=False)
    # The address answers no more (for good): made from our own thumbnail.
    loopback.routes["/p.png"] = Reply(404, b"gone", {"Content-Type": "text/plain"})
    services.remake(NOW, everything=True)
    run_stage(NOW + timedelta(minutes=1))
    picture.refresh_from_db()
    assert picture.status == Picture.Status.READY
    assert set(images.RENDITION_NAMES) <= set(picture.renditions)

    # Neither the original nor our thumbnails: still ready with what it has, the error
    # kept for the operator.
    kept = made_before(picture, old_card=False).renditions
    for name in picture.file_names():
        media.storage().delete(name)
    services.remake(NOW + timedelta(minutes=2))
    run_stage(NOW + timedelta(minutes=3))
    picture.refresh_from_db()
    assert (picture.status, picture.renditions) == (Picture.Status.READY, kept)
    assert picture.error_code == "missing" and picture.is_ready
    # Made again the same way it would fail the same way: not queued again, but with --all.
    assert command("--dry-run") == "remake_pictures: 0 pictures would be queued\n"
    assert services.remake(NOW + timedelta(minutes=4)) == 0
    assert services.remake(NOW + timedelta(minutes=4), everything=True) == 1


def test_all_with_a_limit_goes_on_where_it_stopped(loopback: LoopbackServer) -> None:
    made = []
    for n in range(3):
        data = picture_bytes(color=(n, n, n))
        loopback.routes[f"/{n}.png"] = Reply(200, data, PNG)
        picture = services.request(loopback.url(f"/{n}.png"), NOW)
        assert picture is not None
        assert services.process_now(picture, data, NOW + timedelta(seconds=n))
        made.append(picture.pk)
    assert services.remake(NOW) == 0  # all made with every thumbnail
    assert services.remake(NOW, everything=True, limit=2) == 2
    assert pending() == set(made[:2])
    assert run_stage(NOW + timedelta(minutes=1)) == 2
    # The one not made again comes first, then the oldest of those made again.
    assert services.remake(NOW + timedelta(minutes=2), everything=True, limit=2) == 2
    assert pending() == {made[2], made[0]}


def pending() -> set[int]:
    return set(Picture.objects.filter(status="pending").values_list("pk", flat=True))


def test_limit_must_be_positive() -> None:
    with pytest.raises(CommandError):
        command("--limit", "0")


def test_a_picture_being_made_again_keeps_the_files_it_shares(
    topic, curator, loopback: LoopbackServer, django_capture_on_commit_callbacks
) -> None:
    same = picture_bytes(color=(4, 5, 6))
    loopback.routes["/a.png"] = Reply(200, same, PNG)
    loopback.routes["/b.png"] = Reply(200, same, PNG)
    capture = django_capture_on_commit_callbacks
    first = publish(topic, curator, loopback.url("/a.png"), 1, capture=capture)
    second = publish(topic, curator, loopback.url("/b.png"), 2, capture=capture)
    run_stage()
    shared = Picture.objects.get(scoops=second)
    assert shared.file_names() == Picture.objects.get(scoops=first).file_names()
    assert services.remake(NOW, everything=True) == 2
    first.delete()
    assert services.prune(NOW + timedelta(hours=2)) == 1
    assert all(media.storage().exists(n) for n in shared.file_names())
