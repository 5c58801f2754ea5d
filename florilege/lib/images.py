"""Pictures: checking an image someone hands us, re-encoding it clean, and finding the
pictures a page offers.

A leaf module: Pillow and lxml, no Django. Only raster images in four formats pass (JPEG,
PNG, WebP, GIF); an SVG is refused (it is a document that can carry script, and fediverse
servers refuse it). The pixel count is read from the header and checked *before* any
pixel is decoded, so a small file announcing a huge picture (a decompression bomb) costs
nothing. Re-encoding drops every piece of metadata (EXIF with its GPS position, comments,
colour profiles aside), so what we serve says no more than the pixels.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
# 40 megapixels: more than any camera a curator uploads from, far below a bomb's size.
MAX_PIXELS = 40_000_000
# Pillow's own guard, for any code in the process that opens a picture without our checks:
# a warning past this many pixels, an error past twice as many (its default is 89 million).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Pillow's format names we accept, and the one each is stored as.
STORED_AS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# Pictures smaller than this on a side are icons, spacers or tracking pixels.
MIN_SIDE = 100
MAX_CANDIDATES = 8


class ImageRejected(ValueError):
    """The file is not an image we accept; the message says why, in plain words (English;
    callers translate by ``code``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CleanImage:
    """A checked image, re-encoded: its bytes, file extension and size in pixels."""

    data: bytes
    extension: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]


def _looks_like_markup(head: bytes) -> bool:
    start = head.lstrip()[:256].lower()
    return start.startswith((b"<?xml", b"<svg", b"<!doctype", b"<html")) or b"<svg" in start


def check_image(
    data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> Image.Image:
    """The image opened from ``data``, header read and checked, pixels not yet decoded.
    Raises :class:`ImageRejected` for anything but a raster image of an accepted format,
    size and pixel count."""
    if not data:
        raise ImageRejected("empty", "The file is empty.")
    if len(data) > max_bytes:
        raise ImageRejected("too_big", "The file is too large.")
    if _looks_like_markup(data[:512]):
        raise ImageRejected(
            "svg", "Vector images (SVG) are not accepted; use JPEG, PNG, WebP or GIF."
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice its own limit, raises) on huge pictures; our
            # own, lower limit below decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageRejected("pixels", "The picture has too many pixels.") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageRejected("unreadable", "This file is not an image we can read.") from exc
    if image.format not in STORED_AS:
        raise ImageRejected("format", "Only JPEG, PNG, WebP and GIF images are accepted.")
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise ImageRejected("pixels", "The picture has too many pixels.")
    return image


def clean_image(
    data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> CleanImage:
    """Check ``data`` (see :func:`check_image`), then decode and re-encode it without its
    metadata, turned upright as its EXIF orientation said. An animated GIF keeps its first
    frame, stored as PNG."""
    image = check_image(data, max_bytes, max_pixels)
    target = STORED_AS[str(image.format)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.seek(0)
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRejected("unreadable", "This file is not an image we can read.") from exc
    frame = _mode_for(upright, target)
    # The JPEG writer would copy a comment over from the info it inherited.
    frame.info.pop("comment", None)
    out = io.BytesIO()
    options: dict[str, object] = {"optimize": True}
    if target in ("JPEG", "WEBP"):
        options["quality"] = 88
    # No exif=, icc_profile= or pnginfo= given: the new file carries none of the old ones.
    frame.save(out, format=target, **options)
    return CleanImage(out.getvalue(), EXTENSIONS[target], frame.width, frame.height)


def _mode_for(image: Image.Image, target: str) -> Image.Image:
    if target == "JPEG":
        return image.convert("RGB") if image.mode not in ("RGB", "L") else image
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    return image.convert("RGBA")


# The widths thumbnails are made at, by use: "small" for the embed's 72 px pictures (twice
# that for dense screens), "medium" and "card" offered by width to the topic page's cards
# (media/templatetags/pictures.SLOTS: a desktop's list at 2x takes "medium", a phone the
# squares below), "card" for the email digest,
# "large" for permalinks, feeds, og:image and the fediverse (servers show up to ~1200 px).
RENDITION_WIDTHS = {"small": 160, "medium": 320, "card": 640, "large": 1200}
# A topic's cards on a phone show a 4.75rem (76 CSS px) square cut from the middle of the
# picture. Offered a 40:21 thumbnail, the browser takes one wide enough for the square's
# height and draws barely half of it; these squares are what it shows, no more: 160 px
# for 2 device pixels per CSS pixel, 240 for 3 (pictures.scoop_picture offers them to
# phones). WebP only: a browser without WebP takes the <img>, which the stylesheet crops.
SQUARE_SIDES = {"square": 160, "square-large": 240}
# Every thumbnail a picture made now has: one made before a name was added lacks it until
# it is made again (``manage.py remake_pictures``).
RENDITION_NAMES = (*RENDITION_WIDTHS, *SQUARE_SIDES)
# A tall picture (an infographic, a screenshot of a thread) is cut to this height per
# width, from its top: a thumbnail is a glimpse, and a card must not be a poster.
MAX_TALL = 2.0
THUMB_QUALITY = {"WEBP": 80, "JPEG": 82}
# The page thumbnails (a card on a phone, the embed) are at most this wide and are drawn
# at most ~150 CSS pixels wide, where WebP's artefacts at quality 70 do not show and the
# file is about a quarter lighter than at 80; they are the first screen's heaviest part.
# Method 6 (WebP's slowest search) takes a few per cent more off for ~15 ms a picture, in
# the stage, never in a request; the wide thumbnails keep 80 and method 4 (method 6 would
# double their encoding time for ~3%).
PAGE_THUMB_MAX_WIDTH = 320
PAGE_THUMB_WEBP = {"quality": 70, "method": 6}
WIDE_THUMB_WEBP = {"quality": THUMB_QUALITY["WEBP"], "method": 4}


@dataclass(frozen=True)
class Rendition:
    """One thumbnail, in WebP and in JPEG (the fallback email and the fediverse read; b""
    for the squares, which only pages show, to browsers that read WebP)."""

    name: str
    width: int
    height: int
    webp: bytes
    jpeg: bytes = b""


@dataclass(frozen=True)
class Thumbnails:
    """What a picture became: its upright size, its average colour (``#rrggbb``, the
    placeholder shown while it loads) and its thumbnails."""

    width: int
    height: int
    color: str
    renditions: tuple[Rendition, ...]


def make_thumbnails(
    data: bytes,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    widths: dict[str, int] | None = None,
    squares: dict[str, int] | None = None,
) -> Thumbnails:
    """Check ``data`` (see :func:`check_image`), decode it, turn it upright as its EXIF
    orientation says, and make a thumbnail per entry of ``widths`` (never wider than the
    picture), each in WebP and JPEG, and a WebP square of its middle per entry of
    ``squares`` (never larger than the picture's shorter side), all without any metadata.
    Raises :class:`ImageRejected`."""
    image = check_image(data, max_bytes, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.seek(0)
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = _flatten(upright)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # A truncated or corrupt file fails here, once its pixels are read.
        raise ImageRejected("unreadable", "This file is not an image we can read.") from exc
    renditions = [
        _rendition(rgb, name, width)
        for name, width in (RENDITION_WIDTHS if widths is None else widths).items()
    ]
    sides = SQUARE_SIDES if squares is None else squares
    renditions += [_square(rgb, name, side) for name, side in sides.items()]
    return Thumbnails(rgb.width, rgb.height, average_color(rgb), tuple(renditions))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, transparent parts on white (JPEG has no transparency; one look for both)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def average_color(image: Image.Image) -> str:
    pixel = image.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    red, green, blue = pixel if isinstance(pixel, tuple) else (0, 0, 0)
    return f"#{red:02x}{green:02x}{blue:02x}"


def _cut_tall(image: Image.Image) -> Image.Image:
    tallest = int(image.width * MAX_TALL)
    return image.crop((0, 0, image.width, tallest)) if image.height > tallest else image


def _rendition(image: Image.Image, name: str, width: int) -> Rendition:
    target_w = max(1, min(width, image.width))
    source = _cut_tall(image)
    target_h = max(1, round(source.height * target_w / source.width))
    small = source.resize((target_w, target_h), Image.Resampling.LANCZOS)
    # Pillow copies the source's info (comment, ICC profile, EXIF bytes) to the result
    # and its writers fall back on it: emptied, the files carry nothing but pixels.
    small.info = {}
    return Rendition(name, target_w, target_h, _encode(small, "WEBP"), _encode(small, "JPEG"))


def _square(image: Image.Image, name: str, side: int) -> Rendition:
    """The middle square of the picture (of its top part when tall), as the stylesheet's
    ``object-fit: cover`` shows it, ``side`` pixels (at most the shorter side), WebP."""
    source = _cut_tall(image)
    edge = min(source.width, source.height)
    left, top = (source.width - edge) // 2, (source.height - edge) // 2
    size = max(1, min(side, edge))
    square = source.resize(
        (size, size), Image.Resampling.LANCZOS, box=(left, top, left + edge, top + edge)
    )
    square.info = {}
    return Rendition(name, size, size, _encode(square, "WEBP"))


def webp_options(width: int) -> dict[str, int]:
    """WebP's quality and method for a thumbnail ``width`` pixels wide."""
    return dict(PAGE_THUMB_WEBP if width <= PAGE_THUMB_MAX_WIDTH else WIDE_THUMB_WEBP)


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile= or comment=: the file says nothing but its pixels.
    if kind == "JPEG":
        image.save(out, format="JPEG", quality=THUMB_QUALITY[kind], optimize=True,
                   progressive=True)  # fmt: skip
    else:
        image.save(out, format="WEBP", **webp_options(image.width))
    return out.getvalue()


@dataclass(frozen=True)
class Candidate:
    """A picture a page offers, with the size its markup announces (None when unsaid)."""

    url: str
    width: int | None = None
    height: int | None = None


_META_KEYS = (
    "og:image:secure_url",
    "og:image",
    "og:image:url",
    "twitter:image",
    "twitter:image:src",
)


def _int(value: str | None) -> int | None:
    digits = (value or "").strip().removesuffix("px")
    return int(digits) if digits.isdigit() and len(digits) < 6 else None


def _usable(url: str) -> bool:
    path = url.split("?")[0].split("#")[0].lower()
    return url.startswith(("http://", "https://")) and not path.endswith(".svg")


def page_images(html: str, base_url: str, first: str = "") -> list[Candidate]:
    """The pictures a page offers, best first: ``first`` (the feed's own image), the page's
    og:image and twitter:image, then the ``<img>`` of its article (or body) that are not
    announced as icons (a width or height under ``MIN_SIDE``). No SVG, no data: URLs, no
    duplicates; at most ``MAX_CANDIDATES``."""
    found: list[Candidate] = []
    if first:
        found.append(Candidate(first))
    doc = _parse(html)
    if doc is not None:
        found += _meta_images(doc, base_url) + _img_tags(doc, base_url)
    chosen: list[Candidate] = []
    seen: set[str] = set()
    for candidate in found:
        if _usable(candidate.url) and candidate.url not in seen and len(candidate.url) <= 2000:
            seen.add(candidate.url)
            chosen.append(candidate)
    return chosen[:MAX_CANDIDATES]


def _parse(html: str):
    if not html or not html.strip():
        return None
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
        return lxml.html.document_fromstring(html[:2_000_000].encode("utf-8", "replace"), parser)
    except (etree.LxmlError, ValueError):
        return None


def _meta_images(doc, base_url: str) -> list[Candidate]:
    found = []
    for element in doc.iter("meta"):
        key = (element.get("property") or element.get("name") or "").strip().lower()
        content = (element.get("content") or "").strip()
        if key in _META_KEYS and content:
            found.append(Candidate(urljoin(base_url, content)))
    return found


def _img_tags(doc, base_url: str) -> list[Candidate]:
    scope = next(iter(doc.iter("article")), None)
    if scope is None:
        scope = next(iter(doc.iter("main")), None)
    if scope is None:
        scope = doc
    found = []
    for element in scope.iter("img"):
        src = (element.get("src") or "").strip()
        width, height = _int(element.get("width")), _int(element.get("height"))
        if not src or (width is not None and width < MIN_SIDE):
            continue
        if height is not None and height < MIN_SIDE:
            continue
        found.append(Candidate(urljoin(base_url, src), width, height))
    return found
