"""Showing a scoop's picture: ``{% scoop_picture scoop "card" %}`` for pages, and
``{{ scoop|picture_url:"large" }}`` for the absolute JPEG address feeds, email, og:image
and the fediverse take.

Both read ``scoop.picture`` (a :class:`~florilege.media.models.Picture`, selected with the
scoop by list queries) and give nothing until its thumbnails are made: a reader's browser
is never sent to the picture's original site.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from florilege.lib import images, media

register = template.Library()

# The placeholder colour is a class of the stylesheet, not a style attribute (the
# Content-Security-Policy allows no inline style): the average colour rounded to one of
# 4 x 4 x 4 shades, ``pc-RGB`` with each digit 0-3 (site.css lists the 64).
LEVELS = 4


def placeholder_class(color: str) -> str:
    """``#rrggbb`` → its shade class; "" for anything else."""
    if len(color) != 7 or not color.startswith("#"):
        return ""
    try:
        channels = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    except ValueError:
        return ""
    return "pc-" + "".join(str(round(c * (LEVELS - 1) / 255)) for c in channels)


def _rendition(scoop: Any, size: str) -> tuple[Any, dict[str, Any]] | None:
    picture = getattr(scoop, "picture", None)
    found = picture.rendition(size) if picture is not None else None
    return (picture, found) if found else None


# Where a card shows its picture (site.css), as ``sizes`` for the browser to choose among
# the thumbnails by width. In a topic's list a phone shows it as a 4.75rem square cut from
# the 40:21 picture: 9rem of the picture's width are drawn. Wider screens: 10rem in the
# list, a third of a 76rem page in the grid; a scoop's own card: 13rem, or the screen.
SLOTS = {
    "list": "(min-width: 40rem) 10rem, 9rem",
    "grid": "(min-width: 64rem) 24rem, (min-width: 40rem) 10rem, 9rem",
    "card": "(min-width: 40rem) 13rem, 100vw",
}
# The thumbnails a page may choose from (the large one is for feeds and previews).
PAGE_RENDITIONS = ("small", "medium", "card")
# Below 40rem a topic's list and grid show the picture as a 4.75rem square cut from its
# middle (site.css): there phones are offered the square thumbnails (lib/images.
# SQUARE_SIDES), a third to a half of the bytes of the 40:21 one they would crop.
SQUARE_SLOTS = {"list", "grid"}
SQUARE_MEDIA = "(max-width: 39.99rem)"
SQUARE_SIZES = "4.75rem"
SQUARE_RENDITIONS = tuple(images.SQUARE_SIDES)


def _srcset(picture: Any, kind: str, names: tuple[str, ...] = PAGE_RENDITIONS) -> str:
    widths: dict[int, str] = {}
    for name in names:
        r = picture.rendition(name)
        if r and r.get(kind):
            widths.setdefault(int(r["width"]), media.page_url(r[kind]))
    return ", ".join(f"{url} {width}w" for width, url in sorted(widths.items()))


def _square_source(picture: Any, slot: str) -> SafeString | str:
    squares = _srcset(picture, "webp", SQUARE_RENDITIONS) if slot in SQUARE_SLOTS else ""
    if not squares:  # not a list or grid, or a picture made before the squares
        return ""
    return format_html(
        '<source type="image/webp" media="{}" srcset="{}" sizes="{}">',
        SQUARE_MEDIA,
        squares,
        SQUARE_SIZES,
    )


@register.simple_tag
def scoop_picture(
    scoop: Any, size: str = "card", css_class: str = "", slot: str = ""
) -> SafeString | str:
    """A ``<picture>``: the WebP thumbnail, the JPEG one for browsers without WebP, its
    size (no layout shift), loaded lazily over a placeholder of its colour. With a
    ``slot`` (a key of SLOTS) every page WebP thumbnail is offered by width, and the
    browser takes the smallest that fills the slot: a phone does not download a 640-pixel
    picture to show 76 pixels of it; in a topic's list or grid a phone is offered the
    square it shows. The JPEG is the ``size`` asked for, alone: only browsers without WebP
    (none current) take it, and a choice of JPEGs by width would weigh on every page."""
    found = _rendition(scoop, size)
    if found is None:
        return ""
    picture, r = found
    classes = " ".join(c for c in (css_class, placeholder_class(picture.color)) if c)
    sizes = SLOTS.get(slot, "")
    webp = _srcset(picture, "webp") if sizes else media.page_url(r["webp"])
    return format_html(
        '<picture>{}<source type="image/webp" srcset="{}"{}>'
        '<img src="{}" alt="" width="{}" height="{}" class="{}" loading="lazy" '
        'decoding="async"></picture>',
        _square_source(picture, slot),
        webp,
        format_html(' sizes="{}"', sizes) if sizes else "",
        media.page_url(r["jpeg"]),
        r["width"],
        r["height"],
        classes,
    )


@register.filter
def picture_url(scoop: Any, size: str = "large") -> str:
    """The absolute address of the scoop's JPEG thumbnail of ``size``; "" until ready."""
    found = _rendition(scoop, size)
    return media.url_of(found[1]["jpeg"]) if found else ""


@register.simple_tag
def email_picture(scoop: Any, size: str = "card", width: int = 320) -> SafeString | str:
    """The scoop's JPEG thumbnail for an email, shown ``width`` pixels wide: its height to
    match (the message does not jump as it loads) and its average colour behind it. Mail
    has no stylesheet of ours, so the colour is an inline style; "" until ready."""
    found = _rendition(scoop, size)
    if found is None:
        return ""
    picture, r = found
    height = round(r["height"] * width / r["width"]) if r["width"] else r["height"]
    color = picture.color if placeholder_class(picture.color) else "#e4e1da"
    return format_html(
        '<img src="{}" alt="" width="{}" height="{}" style="max-width:100%;height:auto;'
        'border-radius:6px;background:{}">',
        media.url_of(r["jpeg"]),
        width,
        height,
        color,
    )
