"""The pictures pipeline: ask for a picture by its address, process what is due, forget
what nothing shows any more.

A request only writes a :class:`Picture` row (:func:`request`); the ``pictures`` stage
fetches it through the guarded client (so the SSRF rules, the redirect limit and a size
cap streamed from the first byte all apply), checks and re-encodes it with Pillow
(``lib/images.make_thumbnails``) and stores the thumbnails in the media storage. Whatever
goes wrong ends as a ``failed`` row with a reason the curator reads, never as an exception
out of the stage and never as a hold on publishing: a scoop without a ready picture is
shown without one.

A picture made before the current set of thumbnails (lib/images.RENDITION_NAMES) is made
again when queued by :func:`remake`: it keeps showing the thumbnails it has until the new
ones replace them, and a remake that fails leaves it as it was. By default only the
thumbnails it lacks are made, from its own largest JPEG: its address is not fetched again,
so a picture changed at its address never replaces the one the curator chose. Remakes are
claimed after new pictures, and the files a remake replaced are kept for the grace period
(sent emails, feed readers and the fediverse still link them).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, F, Q, QuerySet, When

from florilege.jobs import leases
from florilege.jobs.registry import StageContext
from florilege.jobs.runtime import PerCycle
from florilege.lib import images, media
from florilege.lib.http import FetchError, GuardedClient
from florilege.lib.urls import is_http_url
from florilege.media.models import Picture, file_names_of
from florilege.media.signals import picture_ready

log = logging.getLogger("florilege.media")
BATCH = 10
# Network failures and server errors are tried again (1, 2, 4 minutes...); a picture that
# is not one we accept is not.
MAX_ATTEMPTS = 4
ACCEPT = "image/webp,image/jpeg,image/png,image/gif;q=0.9,*/*;q=0.1"
TRANSIENT_KINDS = {"timeout", "network", "dns", "tls"}
# The codes of failures tried again (a server error's "http" is not among them: a 404 is
# one too); a remake that failed with another is not queued again but with --all.
TRANSIENT_CODES = frozenset(TRANSIENT_KINDS | {"storage"})
# How a picture is made again (Picture.remake): the thumbnails it lacks, from its own
# largest JPEG; or everything, from its address fetched again.
MISSING = "missing"
EVERYTHING = "all"
# A picture fetched again for --all is the same one if its shape and average colour are
# those recorded: a width/height ratio within 2%, each colour channel within 24 of 255.
ASPECT_TOLERANCE = 0.02
COLOUR_TOLERANCE = 24
# An orphan (its scoop deleted, another picture chosen) is kept this long before its files
# go: a request may still be about to point a scoop at it.
ORPHAN_GRACE = timedelta(hours=1)
# Files under images/ that nothing names are swept too (sweep_strays): one of the 256
# subfolders per period, so a cycle lists a 256th of the storage at most, every file is
# looked at about every 43 hours, and each worker process sweeps a subfolder once.
STRAY_PERIOD = timedelta(minutes=10)
STRAY_SHARDS = 256
_swept: set[int] = set()
# Rows updated per statement when pictures are queued to be made again.
REMAKE_CHUNK = 500


def key_of(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def upload(data: bytes, image_format: str, now: datetime) -> str:
    """Keep a curator's upload (its size and header already checked, its pixels not yet
    decoded) and queue it for the stage like any picture; the address scoops refer to it
    by. The request that brought it does no more: decoding, re-encoding and thumbnails
    are the stage's, and a failure is recorded on the row for the curator to read."""
    url = media.upload_url(media.store_original(data, image_format))
    request(url, now)
    return url


def is_upload_url(url: str) -> bool:
    """Whether ``url`` is a curator's upload kept for the stage (see :func:`upload`)."""
    name = media.stored_name_of(url) if url else None
    return name is not None and media.is_upload(name)


def shareable_address(scoop: Any) -> str:
    """The address another program (an API client, an export) may fetch a scoop's picture
    at: the one it was chosen at, or for an upload, whose original nothing serves and
    which goes once made, our large JPEG ("" until it is made). The scoop's ``picture`` is
    only read for an upload."""
    url = str(scoop.image_url)
    return shareable(url, lambda: scoop.picture)


def shareable(url: str, picture: Any) -> str:
    """:func:`shareable_address` of any picture address (a scoop's, a topic's banner):
    ``picture`` gives its row (a callable, only called for an upload)."""
    if not is_upload_url(url):
        return url
    row = picture()
    large = row.rendition("large") if row is not None else None
    return media.url_of(large["jpeg"]) if large else ""


def pictures_for(urls: list[str]) -> dict[str, Picture]:
    """The picture rows of these addresses, by address (those that have one)."""
    keys = {key_of(u): u for u in urls if u}
    return {keys[p.source_key]: p for p in Picture.objects.filter(source_key__in=keys)}


def request(url: str, now: datetime) -> Picture | None:
    """The picture row for ``url``, made and queued if new; None for what is not an http(s)
    address. A picture that failed before is tried once more: someone chose it again."""
    if not is_http_url(url) or len(url) > 2000:
        return None
    picture, created = Picture.objects.get_or_create(
        source_key=key_of(url), defaults={"source_url": url, "due_at": now, "created_at": now}
    )
    if not created and picture.status == Picture.Status.FAILED:
        Picture.objects.filter(pk=picture.pk, status=Picture.Status.FAILED).update(
            status=Picture.Status.PENDING, due_at=now, attempts=0, error="", error_code=""
        )
        picture.refresh_from_db()
    return picture


@dataclass(frozen=True)
class Failure:
    code: str
    message: str
    transient: bool = False


def due(now: datetime) -> QuerySet[Picture]:
    return Picture.objects.filter(status=Picture.Status.PENDING, due_at__lte=now)


def _lacking() -> Q:
    return ~Q(renditions__has_keys=list(images.RENDITION_NAMES))


def _uploads() -> Q:
    return Q(source_url__startswith=media.upload_prefix())


def _gave_up() -> Q:
    """Ready pictures whose last remake failed for good (the error stays on the row until
    a remake succeeds): made again the same way, they would fail the same way."""
    return ~Q(error_code="") & ~Q(error_code__in=TRANSIENT_CODES)


def to_remake(everything: bool = False) -> QuerySet[Picture]:
    """The ready pictures :func:`remake` would queue, those made the longest ago first: the
    ones that lack a thumbnail lib/images makes now (but those whose last remake failed for
    good), or with ``everything``, all but the uploads that lack none (their original went
    once made: there is nothing to make them again from)."""
    chosen = Picture.objects.filter(status=Picture.Status.READY)
    if everything:
        chosen = chosen.filter(~_uploads() | _lacking())
    else:
        chosen = chosen.filter(_lacking()).exclude(_gave_up())
    # Oldest first, so that ``--all --limit N`` run again goes on where it stopped: a
    # picture made again is made last.
    return chosen.order_by(F("processed_at").asc(nulls_first=True), "pk")


def uploads_left_out() -> QuerySet[Picture]:
    """The ready uploads ``--all`` leaves out: they lack no thumbnail, and their original
    went once made."""
    return Picture.objects.filter(_uploads(), status=Picture.Status.READY).exclude(_lacking())


def remake(now: datetime, everything: bool = False, limit: int | None = None) -> int:
    """Queue ready pictures for the stage again (see :func:`to_remake`), at most ``limit``;
    how many. Nothing is fetched or decoded here: the stage does it, after the new
    pictures, and until then (or if it fails) the picture shows the thumbnails it has. A
    queued picture is pending, not ready: run again before the worker, it is not counted
    twice."""
    chosen = list(to_remake(everything).values_list("pk", flat=True)[:limit])
    mode = EVERYTHING if everything else MISSING
    queued = 0
    for start in range(0, len(chosen), REMAKE_CHUNK):
        rows = Picture.objects.filter(
            pk__in=chosen[start : start + REMAKE_CHUNK], status=Picture.Status.READY
        )
        queue = {"status": Picture.Status.PENDING, "due_at": now, "attempts": 0}
        # An upload has no original to fetch again: only what it lacks is made.
        queued += rows.filter(_uploads()).update(**queue, leased_until=None, remake=MISSING)
        queued += rows.exclude(_uploads()).update(**queue, leased_until=None, remake=mode)
    if queued:
        log.info("event=pictures_remake_queued count=%s all=%s", queued, everything)
    return queued


def retry_delay(attempts: int) -> timedelta:
    return leases.backoff(attempts, timedelta(minutes=1), timedelta(hours=1))


def process_cycle(ctx: StageContext) -> int:
    """Process up to ``BATCH`` due pictures; returns how many were handled (ready or
    failed). Orphans past their grace are forgotten on the way."""
    now = ctx.now
    # New pictures first (remake ""), then remakes: a large remake must not hold back the
    # picture of a scoop published now, and a remake's page shows its old thumbnails.
    order = (Case(When(remake="", then=0), default=1), "due_at")
    batch = leases.claim(due(now).order_by(*order), now=now, limit=BATCH, owner=ctx.owner)
    handled = 0
    if batch:
        fetched = _fetch_all(batch, ctx)
        for picture in batch:
            _process(picture, fetched[picture.pk], ctx)
            handled += 1
    prune(now)
    period = int(now.timestamp() // STRAY_PERIOD.total_seconds())
    if period not in _swept:
        _swept.clear()
        _swept.add(period)
        sweep_strays(now, f"{period % STRAY_SHARDS:02x}")
    return handled


def _image_client(ctx: StageContext):
    cap = settings.CONFIG.IMAGE_MAX_BYTES

    def make() -> GuardedClient:
        client = ctx.client_factory()
        # The fetch cap of feeds, lowered to the picture cap: the body is counted as it
        # streams in, so a huge file is cut off at the cap, not downloaded then refused.
        client.policy = replace(client.policy, max_bytes=min(client.policy.max_bytes, cap))
        return client

    return make


def _fetch_all(batch: list[Picture], ctx: StageContext) -> dict[int, bytes | Failure | None]:
    """What each picture is made from: its bytes, why they could not be had, or None for
    a remake of what it lacks, made from its own thumbnail (nothing fetched)."""
    found: dict[int, bytes | Failure | None] = {}
    remote: list[Picture] = []
    for picture in batch:
        if _mode(picture) == MISSING:
            found[picture.pk] = None
            continue
        name = media.stored_name_of(picture.source_url)
        if name is None:
            remote.append(picture)
            continue
        # A curator's upload is already in our storage: read it there, not over HTTP.
        try:
            found[picture.pk] = media.read(name, settings.CONFIG.IMAGE_MAX_BYTES)
        except OSError:
            found[picture.pk] = Failure("missing", "The uploaded file is missing.")
    if remote:

        async def fetch_all(client: GuardedClient) -> list[bytes | Failure]:
            return await asyncio.gather(*(_fetch(client, p.source_url) for p in remote))

        answers = PerCycle(_image_client(ctx)).run(fetch_all)
        found.update({p.pk: a for p, a in zip(remote, answers, strict=True)})
    return found


async def _fetch(client: GuardedClient, url: str) -> bytes | Failure:
    try:
        response = await client.get(url, {"Accept": ACCEPT})
    except FetchError as exc:
        if exc.kind == "too_large":
            return Failure("too_big", exc.message)
        return Failure(exc.kind[:20], exc.message, transient=exc.kind in TRANSIENT_KINDS)
    if response.status != 200:
        return Failure(
            "http",
            f"The server answered {response.status}.",
            transient=response.status >= 500 or response.status == 429,
        )
    return response.content


def _mode(picture: Picture) -> str:
    """How ``picture`` is made: "" (new), or how it is made again (see :func:`remake`); a
    pending picture with thumbnails but no mode is made again the safe way."""
    return picture.remake or (MISSING if picture.renditions else "")


def _process(picture: Picture, fetched: bytes | Failure | None, ctx: StageContext) -> None:
    outcome = _outcome(picture, fetched)
    if isinstance(outcome, Failure):
        _fail(picture, outcome, ctx)
        return
    thumbs, renditions = outcome
    row = leases.owned(Picture, picture.pk, ctx.owner)
    # The thumbnails are all we serve of an upload: its original, metadata and all, goes
    # (unless the lease was lost: the worker that holds it now may still need it).
    if _ready(row, picture, thumbs, renditions, ctx.now):
        _delete_original(picture)


def _outcome(picture: Picture, fetched: bytes | Failure | None) -> Made | Failure:
    if fetched is None:
        return from_own_thumbnail(picture)
    remade = _mode(picture) == EVERYTHING
    outcome: Made | Failure = (
        fetched
        if isinstance(fetched, Failure)
        else make(fetched, picture.pk, like=picture if remade else None)
    )
    if not isinstance(outcome, Failure) or not remade:
        return outcome
    if outcome.transient and picture.attempts + 1 < MAX_ATTEMPTS:
        # Tried again later like any picture; its old thumbnails are shown meanwhile.
        return outcome
    # Its address answers no more, with an error for good, or with another picture: the
    # thumbnails it lacks are made from our own, and those it has stay.
    log.info("event=picture_remade_from_thumbnail picture=%s code=%s", picture.pk,
             outcome.code)  # fmt: skip
    return from_own_thumbnail(picture)


def _another_picture(thumbs: images.Thumbnails, picture: Picture) -> bool:
    """Whether what the address serves now is not the picture made from it before: its
    width/height ratio or its average colour differs from those recorded."""
    if picture.width and picture.height and thumbs.width and thumbs.height:
        before = picture.width / picture.height
        if abs(thumbs.width / thumbs.height - before) > ASPECT_TOLERANCE * before:
            return True
    old, new = _rgb(picture.color), _rgb(thumbs.color)
    if old is None or new is None:
        return False
    return max(abs(a - b) for a, b in zip(old, new, strict=True)) > COLOUR_TOLERANCE


def _rgb(colour: str) -> tuple[int, int, int] | None:
    try:
        value = int(colour.removeprefix("#"), 16) if len(colour) == 7 else None
    except ValueError:
        return None
    return None if value is None else (value >> 16, (value >> 8) & 255, value & 255)


def _delete_original(picture: Picture) -> None:
    name = media.stored_name_of(picture.source_url)
    if name is not None and media.is_upload(name):
        media.storage().delete(name)


Made = tuple[images.Thumbnails, dict[str, dict[str, object]]]


def largest_jpeg(picture: Picture) -> str | None:
    """The storage name of the picture's widest JPEG thumbnail, if it has one."""
    sizes = [r for r in picture.renditions.values() if isinstance(r, dict) and r.get("jpeg")]
    best = max(sizes, key=lambda r: int(r.get("width") or 0), default=None)
    return str(best["jpeg"]) if best else None


def from_own_thumbnail(picture: Picture) -> Made | Failure:
    """Make the thumbnails ``picture`` lacks from its widest one; those it has are kept as
    they are (a JPEG made again from itself only loses), as are its size and colour, which
    are the original's."""
    current = {**images.RENDITION_WIDTHS, **images.SQUARE_SIDES}
    kept = {n: r for n, r in picture.renditions.items() if n in current and isinstance(r, dict)}
    widths = {n: w for n, w in images.RENDITION_WIDTHS.items() if n not in kept}
    squares = {n: s for n, s in images.SQUARE_SIDES.items() if n not in kept}
    same = images.Thumbnails(picture.width or 0, picture.height or 0, picture.color, ())
    if not widths and not squares:
        return same, kept
    name = largest_jpeg(picture)
    try:
        data = media.read(name, settings.CONFIG.IMAGE_MAX_BYTES) if name else b""
    except OSError:
        data = b""
    if not data:
        return Failure("missing", "Neither the original nor a thumbnail to make it from.")
    made = make(data, picture.pk, widths, squares)
    if isinstance(made, Failure):
        return made
    return same, {**kept, **made[1]}


def make(
    data: bytes,
    label: object = "",
    widths: dict[str, int] | None = None,
    squares: dict[str, int] | None = None,
    like: Picture | None = None,
) -> Made | Failure:
    """Check ``data``, make its thumbnails (all of lib/images', or those named) and store
    them; the thumbnails and what to record of them, or why not. With ``like`` (a picture
    made again from its address), nothing is stored if ``data`` is another picture."""
    cfg = settings.CONFIG
    try:
        thumbs = images.make_thumbnails(
            data, cfg.IMAGE_MAX_BYTES, cfg.IMAGE_MAX_PIXELS, widths, squares
        )
    except images.ImageRejected as exc:
        return Failure(exc.code, str(exc))
    except Exception:
        # Pillow's decoders can raise more than they document on hostile files; one bad
        # picture must not take the batch down. Logged with its traceback, recorded.
        log.exception("event=picture_decode_failed picture=%s", label)
        return Failure("unreadable", "This file is not an image we can read.")
    if like is not None and _another_picture(thumbs, like):
        return Failure("changed", "The address now serves another picture.")
    try:
        return thumbs, _store(thumbs)
    except Exception as exc:
        # The storage's errors differ by backend (OSError on disk, botocore's on S3); all
        # mean "try again later", and the operator finds the traceback in the log.
        log.exception("event=picture_store_failed picture=%s", label)
        return Failure("storage", f"Storage error: {type(exc).__name__}", transient=True)


def process_now(picture: Picture, data: bytes, now: datetime) -> bool:
    """Make ``picture`` ready from ``data`` at once, outside the stage: for pictures this
    instance draws itself (the demo's), never for a request. False if ``data`` failed."""
    outcome = make(data, picture.pk)
    if isinstance(outcome, Failure):
        Picture.objects.filter(pk=picture.pk).update(
            status=Picture.Status.FAILED, error_code=outcome.code, error=outcome.message[:500]
        )
        return False
    _ready(Picture.objects.filter(pk=picture.pk), picture, *outcome, now)
    return True


def _ready(
    row: QuerySet[Picture],
    picture: Picture,
    thumbs: images.Thumbnails,
    renditions: dict[str, dict[str, object]],
    now: datetime,
) -> bool:
    # Feeds, the fediverse and og:image link the large JPEG: made again with the same bytes
    # it is the same file, and what was sent elsewhere need not be sent again.
    large_changed = _large_jpeg(picture.renditions) != _large_jpeg(renditions)
    updated = row.update(
        status=Picture.Status.READY,
        width=thumbs.width,
        height=thumbs.height,
        color=thumbs.color,
        renditions=renditions,
        error="",
        error_code="",
        processed_at=now,
        leased_until=None,
        remake="",
        replaced=_replaced(picture, renditions, now),
    )
    if updated:
        log.info("event=picture_ready picture=%s", picture.pk)
        picture_ready.send(sender=Picture, picture=picture, now=now, large_changed=large_changed)
    return bool(updated)


def _replaced(picture: Picture, renditions: dict[str, Any], now: datetime) -> dict[str, str]:
    """``picture``'s files its new ``renditions`` no longer name, with when, added to
    those replaced within the grace period (see :func:`sweep_strays`)."""
    grace = _replaced_cutoff(now)
    kept = {n: t for n, t in picture.replaced.items() if _replaced_at(t) >= grace}
    gone = picture.file_names() - file_names_of(renditions)
    return {**kept, **dict.fromkeys(sorted(gone), now.isoformat())}


def _replaced_cutoff(now: datetime) -> datetime:
    """A file replaced before this is no longer kept for those that link it."""
    return now - timedelta(hours=settings.CONFIG.UPLOAD_UNUSED_HOURS)


def _replaced_at(value: object) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _large_jpeg(renditions: dict[str, Any]) -> str:
    large = renditions.get("large")
    return str(large.get("jpeg") or "") if isinstance(large, dict) else ""


def _store(thumbs: images.Thumbnails) -> dict[str, dict[str, object]]:
    stored: dict[str, dict[str, object]] = {}
    for r in thumbs.renditions:
        entry: dict[str, object] = {"width": r.width, "height": r.height}
        entry["webp"] = media.store(images.CleanImage(r.webp, "webp", r.width, r.height))
        if r.jpeg:  # the squares have none
            entry["jpeg"] = media.store(images.CleanImage(r.jpeg, "jpg", r.width, r.height))
        stored[r.name] = entry
    return stored


def _fail(picture: Picture, failure: Failure, ctx: StageContext) -> None:
    attempts = picture.attempts + 1
    again = failure.transient and attempts < MAX_ATTEMPTS
    log.warning("event=picture_failed picture=%s code=%s retry=%s", picture.pk, failure.code,
                again)  # fmt: skip
    # A picture being made again that cannot be stays as it was, thumbnails and all; the
    # error is kept on the row for the operator.
    done = Picture.Status.READY if picture.renditions else Picture.Status.FAILED
    leases.owned(Picture, picture.pk, ctx.owner).update(
        status=Picture.Status.PENDING if again else done,
        attempts=attempts,
        due_at=ctx.now + retry_delay(attempts) if again else picture.due_at,
        error_code=failure.code[:20],
        error=failure.message[:500],
        processed_at=ctx.now,
        leased_until=None,
        remake=picture.remake if again else "",
    )


def _unused() -> Q:
    """Pictures no row points at: every relation to Picture, whichever app declares it."""
    q = Q()
    for relation in Picture._meta.related_objects:
        q &= Q(**{f"{relation.name}__isnull": True})
    return q


def _expired(now: datetime) -> Q:
    """Unused pictures old enough to go. An upload no scoop uses is a preview the curator
    may still come back to publish, so it is kept longer (UPLOAD_UNUSED_HOURS)."""
    uploads = Q(source_url__startswith=media.upload_prefix())
    kept = timedelta(hours=settings.CONFIG.UPLOAD_UNUSED_HOURS)
    return (~uploads & Q(created_at__lt=now - ORPHAN_GRACE)) | (
        uploads & Q(created_at__lt=now - kept)
    )


def prune(now: datetime, limit: int = 50) -> int:
    """Forget up to ``limit`` pictures nothing shows any more, and delete their files
    (those no other picture uses: the same bytes at two addresses share their files, and
    an upload's original when it is still there)."""
    orphans = list(Picture.objects.filter(_unused(), _expired(now)).order_by("pk")[:limit])
    if not orphans:
        return 0
    for picture in orphans:
        _delete_original(picture)
    doomed = set().union(*(p.file_names() for p in orphans))
    # Those pending again for a remake still show their thumbnails: theirs stay too.
    # And a file another picture's remake replaced is kept for those that link it.
    others = Picture.objects.exclude(pk__in=[p.pk for p in orphans])
    kept = others.exclude(status=Picture.Status.FAILED)
    for other in kept.only("renditions", "replaced").iterator():
        doomed -= other.file_names() | set(other.replaced)
        if not doomed:
            break
    where = media.storage()
    for name in sorted(doomed):
        where.delete(name)
    Picture.objects.filter(pk__in=[p.pk for p in orphans]).delete()
    return len(orphans)


def _image_address_fields() -> list[tuple[Any, str]]:
    """Every model field that holds a picture's address (``image_url``, a topic's
    ``header_image_url``), whichever app declares it, as (model, field name)."""
    from django.apps import apps
    from django.db.models import URLField

    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, URLField) and field.name.endswith("image_url")
    ]


def _thumbnails_in(folder: str, now: datetime) -> set[str]:
    """The thumbnails in ``folder`` (``images/ab``) some picture row names: as one of its
    thumbnails, or as one a remake replaced within the grace period (an email sent, a feed
    reader's copy or a fediverse post still links it)."""
    named: set[str] = set()
    grace = _replaced_cutoff(now)
    where = Q(renditions__icontains=f"{folder}/") | Q(replaced__icontains=f"{folder}/")
    for picture in Picture.objects.filter(where).only("renditions", "replaced"):
        named |= picture.file_names()
        named |= {n for n, t in picture.replaced.items() if _replaced_at(t) >= grace}
    return named


def _addressed_in(folder: str) -> set[str]:
    """The names in ``folder`` that a picture address names: the source of a picture made
    from one of our files (an upload the scoop form re-encoded before uploads went through
    this stage), and the address a scoop, an entry or a topic holds (a draft of those days
    has no row)."""
    addresses = set(
        Picture.objects.filter(source_url__contains=f"/{folder}/").values_list(
            "source_url", flat=True
        )
    )
    for model, field in _image_address_fields():
        found = model._default_manager.filter(**{f"{field}__contains": f"/{folder}/"})
        addresses |= set(found.values_list(field, flat=True))
    return {n for n in map(media.stored_name_of, addresses) if n}


def sweep_strays(now: datetime, shard: str, limit: int = 200) -> int:
    """Delete up to ``limit`` files of ``images/<shard>/`` that nothing names and that are
    older than UPLOAD_UNUSED_HOURS; how many went. They are the thumbnails of an upload
    the scoop form re-encoded in the request, before uploads went through this stage, for
    a preview no scoop took: no row was ever made for them, so :func:`prune` never saw
    them (and files a picture stored before losing its lease). The age keeps a file a
    picture is being made with now (stored before its row is updated) out of reach. The
    addresses held by scoops, entries and topics are only looked up when old files no
    picture names are found."""
    where = media.storage()
    folder = f"{media.FOLDER}/{shard}"
    try:
        files = where.listdir(folder)[1]
    except (OSError, NotImplementedError):  # no such folder yet, or a storage that cannot list
        return 0
    names = {f"{folder}/{f}" for f in files if media.is_stored_picture(f"{folder}/{f}")}
    if not names:
        return 0
    cutoff = now - timedelta(hours=settings.CONFIG.UPLOAD_UNUSED_HOURS)
    old: list[str] = []
    for name in sorted(names - _thumbnails_in(folder, now)):
        try:
            if where.get_modified_time(name) < cutoff:
                old.append(name)
        except (OSError, NotImplementedError):
            continue
        if len(old) >= limit:
            break
    doomed = set(old) - _addressed_in(folder) if old else set()
    for name in sorted(doomed):
        where.delete(name)
    if doomed:
        log.info("event=picture_strays_deleted folder=%s files=%s", folder, len(doomed))
    return len(doomed)
