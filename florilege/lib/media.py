"""Files we serve ourselves from ``/media/``: stored through Django's storage API (the
filesystem under the data folder by default), named by their content, so an address never
changes meaning and is cached for a year.

Only the names :func:`store` makes are served: a hash and a known picture extension, so
the view can never be led elsewhere on the disk nor serve something as a type it is not.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from florilege.lib.images import CONTENT_TYPES, CleanImage

FOLDER = "images"
_NAME = re.compile(
    rf"{FOLDER}/[0-9a-f]{{2}}/[0-9a-f]{{32}}-(\d{{1,5}})x(\d{{1,5}})\.(jpg|png|webp)"
)
YEAR = 365 * 24 * 3600


def store(image: CleanImage) -> str:
    """Store a checked image; its name (the same bytes always get the same name)."""
    digest = hashlib.sha256(image.data).hexdigest()[:32]
    name = f"{FOLDER}/{digest[:2]}/{digest}-{image.width}x{image.height}.{image.extension}"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(image.data))
        if saved != name:  # a storage that renamed it: keep its name, we only serve ours
            default_storage.delete(saved)
            raise OSError("the storage did not keep the name it was given")
    return name


def url_of(name: str) -> str:
    """The absolute address of a stored file (feeds, federation and og:image need one)."""
    return f"{settings.BASE_URL}{settings.MEDIA_URL}{name}"


def size_of(url: str) -> tuple[int, int] | None:
    """The size in pixels of one of our own stored pictures, read from its address; None
    for any other address."""
    prefix = f"{settings.BASE_URL}{settings.MEDIA_URL}"
    if not url.startswith(prefix):
        return None
    match = _NAME.fullmatch(url[len(prefix) :])
    return (int(match[1]), int(match[2])) if match else None


def stored_name_of(url: str) -> str | None:
    """The storage name of one of our own stored pictures, read from its address; None for
    any other address."""
    prefix = f"{settings.BASE_URL}{settings.MEDIA_URL}"
    if not url.startswith(prefix) or _NAME.fullmatch(url[len(prefix) :]) is None:
        return None
    return url[len(prefix) :]


def local_size_of(name: str) -> int | None:
    """The size in bytes of a stored file when the storage is this machine's disk (a stat);
    None on a remote store, where asking would be a request per picture per feed."""
    if not isinstance(default_storage, FileSystemStorage):
        return None
    try:
        return default_storage.size(name)
    except OSError:
        return None


@require_safe
def serve(request: HttpRequest, media_path: str) -> FileResponse:
    """A stored picture, with a year of caching (its name changes with its bytes)."""
    match = _NAME.fullmatch(media_path)
    if match is None or not default_storage.exists(media_path):
        raise Http404("No such file.")
    response = FileResponse(
        default_storage.open(media_path, "rb"), content_type=CONTENT_TYPES[match[3]]
    )
    response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response["Content-Disposition"] = "inline"
    return response
