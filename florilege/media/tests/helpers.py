"""Pictures for tests, made by the real pipeline from bytes drawn here."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image

from florilege.media import services
from florilege.media.models import Picture


def picture_bytes(
    size: tuple[int, int] = (800, 420), color: tuple[int, int, int] = (20, 120, 200),
    kind: str = "PNG",
) -> bytes:  # fmt: skip
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=kind)
    return out.getvalue()


def ready_picture(url: str, now: datetime, data: bytes | None = None) -> Picture:
    """The picture of ``url``, made ready from ``data`` (a drawn PNG by default)."""
    picture = services.request(url, now)
    assert picture is not None
    assert services.process_now(picture, data or picture_bytes(), now)
    picture.refresh_from_db()
    return picture


def illustrate(scoop, now: datetime, url: str = "", data: bytes | None = None) -> Picture:
    """Give ``scoop`` a ready picture (its ``image_url``, or ``url``)."""
    picture = ready_picture(url or scoop.image_url or f"https://pics.example/{scoop.pk}.png",
                            now, data)  # fmt: skip
    type(scoop).objects.filter(pk=scoop.pk).update(picture=picture)
    scoop.picture = picture
    return picture
