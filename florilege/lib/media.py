"""Files we serve ourselves from ``/media/``: stored through Django's storage API, in the
``media`` storage (the filesystem under the data folder by default, an S3-compatible bucket
when configured), named by their content, so an address never changes meaning and is
cached for a year. With a bucket that has a public address (FLORILEGE_S3_PUBLIC_URL) pages
link the files there; otherwise this module's view streams them from the storage.

Only the names :func:`store` makes are served: a hash and a known picture extension, so
the view can never be led elsewhere on the disk nor serve something as a type it is not.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from florilege.config import MEDIA_CACHE_CONTROL
from florilege.lib.images import CONTENT_TYPES, CleanImage

FOLDER = "images"
_NAME = re.compile(
    rf"{FOLDER}/[0-9a-f]{{2}}/[0-9a-f]{{32}}-(\d{{1,5}})x(\d{{1,5}})\.(jpg|png|webp)"
)
# A curator's upload as it came, kept until the pictures stage has made its thumbnails.
# Never served (``serve`` only knows ``_NAME``): it still has its metadata, the camera's
# GPS position included. Named at random, not by content, so that on a bucket with a
# public address its name cannot be worked out from the picture.
UPLOADS = "uploads"
_UPLOAD = re.compile(rf"{UPLOADS}/[0-9a-f]{{32}}\.(jpg|png|webp|gif)")
UPLOAD_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def storage() -> Storage:
    """The storage pictures live in (``STORAGES["media"]``)."""
    return storages["media"]


def name_for(data: bytes, width: int, height: int, extension: str) -> str:
    """The name a file of these bytes is stored under: its hash, its size, its type."""
    digest = hashlib.sha256(data).hexdigest()[:32]
    return f"{FOLDER}/{digest[:2]}/{digest}-{width}x{height}.{extension}"


def store(image: CleanImage) -> str:
    """Store a checked image; its name (the same bytes always get the same name)."""
    name = name_for(image.data, image.width, image.height, image.extension)
    where = storage()
    if not where.exists(name):
        saved = where.save(name, ContentFile(image.data))
        if saved != name:  # a storage that renamed it: keep its name, we only serve ours
            where.delete(saved)
            raise OSError("the storage did not keep the name it was given")
    return name


def store_original(data: bytes, image_format: str) -> str:
    """Keep an upload's bytes unchanged (``image_format``: Pillow's name of it, already
    checked); the name it is stored under."""
    name = f"{UPLOADS}/{secrets.token_hex(16)}.{UPLOAD_EXTENSIONS[image_format]}"
    where = storage()
    saved = where.save(name, ContentFile(data))
    if saved != name:
        where.delete(saved)
        raise OSError("the storage did not keep the name it was given")
    return name


def upload_url(name: str) -> str:
    """How a scoop refers to an upload not yet made into thumbnails: an address on this
    site (so forms and scoops treat it as any picture address) that the pictures stage
    reads from the storage, never over HTTP, and that nothing serves."""
    return f"{settings.BASE_URL}{settings.MEDIA_URL}{name}"


def upload_prefix() -> str:
    """What every upload's address starts with (to find the pictures that are uploads)."""
    return f"{settings.BASE_URL}{settings.MEDIA_URL}{UPLOADS}/"


def is_upload(name: str) -> bool:
    return _UPLOAD.fullmatch(name) is not None


def is_stored_picture(name: str) -> bool:
    """Whether ``name`` is one :func:`store` makes (``images/ab/<hash>-WxH.ext``)."""
    return _NAME.fullmatch(name) is not None


def public_base() -> str:
    """Where pages link stored files: the bucket's public address when it has one, else our
    own ``/media/`` (a path, so a page links its own origin whatever host it is read on)."""
    return settings.CONFIG.S3_PUBLIC_URL or settings.MEDIA_URL


def page_url(name: str) -> str:
    """The address a page links a stored file at."""
    return f"{public_base()}{name}"


def url_of(name: str) -> str:
    """The absolute address of a stored file (feeds, email, federation and og:image)."""
    return (
        settings.CONFIG.S3_PUBLIC_URL + name
        if settings.CONFIG.S3_PUBLIC_URL
        else (f"{settings.BASE_URL}{settings.MEDIA_URL}{name}")
    )


def _prefixes() -> list[str]:
    found = [f"{settings.BASE_URL}{settings.MEDIA_URL}"]
    if settings.CONFIG.S3_PUBLIC_URL:
        found.append(settings.CONFIG.S3_PUBLIC_URL)
    return found


def stored_name_of(url: str) -> str | None:
    """The storage name of one of our own stored pictures (a thumbnail, or an upload kept
    for the stage), read from its address; None for any other address."""
    for prefix in _prefixes():
        name = url[len(prefix) :]
        if url.startswith(prefix) and (_NAME.fullmatch(name) or _UPLOAD.fullmatch(name)):
            return name
    return None


def size_of(url: str) -> tuple[int, int] | None:
    """The size in pixels of one of our own stored pictures, read from its address; None
    for any other address."""
    name = stored_name_of(url)
    match = _NAME.fullmatch(name) if name else None
    return (int(match[1]), int(match[2])) if match else None


def local_size_of(name: str) -> int | None:
    """The size in bytes of a stored file when the storage is this machine's disk (a stat);
    None on a remote store, where asking would be a request per picture per feed."""
    where = storage()
    if not isinstance(where, FileSystemStorage):
        return None
    try:
        return where.size(name)
    except OSError:
        return None


def read(name: str, limit: int) -> bytes:
    """Up to ``limit`` + 1 bytes of a stored file (one more tells the caller it is too big)."""
    with storage().open(name, "rb") as handle:
        return handle.read(limit + 1)


@require_safe
def serve(request: HttpRequest, media_path: str) -> FileResponse:
    """A stored picture, with a year of caching (its name changes with its bytes)."""
    match = _NAME.fullmatch(media_path)
    where = storage()
    if match is None or not where.exists(media_path):
        raise Http404("No such file.")
    response = FileResponse(where.open(media_path, "rb"), content_type=CONTENT_TYPES[match[3]])
    response["Cache-Control"] = MEDIA_CACHE_CONTROL
    response["Content-Disposition"] = "inline"
    return response
