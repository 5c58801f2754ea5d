"""Generated cover images for demo articles: small PNG cards, deterministic per article.

Generating them (rather than shipping image files) keeps the demo free of third-party media and
lets feed enclosures state an exact byte length. They are raster images because the servers of
the fediverse refuse SVG attachments (they only transcode raster formats): a demo scoop with an
SVG picture would go out with none.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import textwrap
import unicodedata
from functools import cache, lru_cache

from PIL import Image, ImageColor, ImageDraw, ImageFont

WIDTH = 1200
HEIGHT = 630
MEDIA_TYPE = "image/png"
# At 64px, ~28 characters of a proportional sans-serif fit inside the 1040px text column.
_WRAP_WIDTH = 28
_MAX_LINES = 3
_MARGIN = 80
_TEXT_WIDTH = WIDTH - 2 * _MARGIN
_BAND = 90
_TITLE_SIZES = (64, 60, 56, 52, 48)
# DejaVu ships with most Linux systems (Debian's fonts-dejavu-core) and covers French; Pillow
# searches the system font folders for these names.
_FONTS = {"bold": "DejaVuSans-Bold.ttf", "regular": "DejaVuSans.ttf"}
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def colour_for(seed: str) -> tuple[str, str]:
    """A background colour and a darker band colour, both chosen from ``seed`` alone.

    Lightness and saturation are fixed so white text always stays readable; only the hue varies.
    """
    hue = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:2], "big") / 65536
    return _hex(hue, 0.36, 0.55), _hex(hue, 0.24, 0.55)


def _hex(hue: float, lightness: float, saturation: float) -> str:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def wrap_title(title: str, width: int = _WRAP_WIDTH) -> list[str]:
    """Split ``title`` into at most three lines, ending with an ellipsis when it was cut."""
    lines = textwrap.wrap(title, width=width) or [""]
    if len(lines) > _MAX_LINES:
        lines = lines[:_MAX_LINES]
        last = lines[-1]
        lines[-1] = (last[: width - 1].rstrip() if len(last) >= width else last) + "…"
    return lines


@cache
def _font(weight: str, size: int) -> tuple[Font, bool]:
    """The font to draw with, and whether it lacks accented letters.

    Pillow's own font (used when DejaVu is not installed) has no accents: text drawn with it
    is folded to plain letters rather than shown as empty boxes."""
    try:
        return ImageFont.truetype(_FONTS[weight], size), False
    except OSError:
        return ImageFont.load_default(size=size), True


def _drawable(text: str, folded: bool) -> str:
    if not folded:
        return text
    text = text.replace("…", "...")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fit_title(title: str) -> tuple[list[str], Font, bool]:
    """Lines and font for ``title``: the largest size whose lines fit the text column."""
    for size in _TITLE_SIZES:
        font, folded = _font("bold", size)
        # Wrap at as many characters as fit at this size, judged on an average-width letter.
        per_line = max(_WRAP_WIDTH, int(_TEXT_WIDTH / font.getlength("n")))
        lines = [_drawable(line, folded) for line in wrap_title(title, per_line)]
        if all(font.getlength(line) <= _TEXT_WIDTH for line in lines):
            return lines, font, folded
    # Smallest size: wrap to what fits, whatever the letters.
    lines = [_drawable(line, folded) for line in wrap_title(title)]
    return lines, font, folded


@lru_cache(maxsize=512)
def render_png(title: str, seed: str, caption: str = "") -> bytes:
    """A 1200 by 630 PNG card showing ``title`` (wrapped) and ``caption``.

    Cached: feeds state every image's byte length, so each feed request would otherwise draw
    all of them again. The same arguments always give the same bytes."""
    background, band = colour_for(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT), background)
    # Two translucent discs, each drawn on its own layer so their overlap is lighter still.
    for cx, cy, r in ((1090, 110, 190), (1150, 40, 90)):
        overlay = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
        ImageDraw.Draw(overlay).ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 255, 255, 20))
        image = Image.alpha_composite(image.convert("RGBA"), overlay)
    image = image.convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, HEIGHT - _BAND, WIDTH, HEIGHT), fill=band)

    lines, font, _ = _fit_title(title)
    line_height = round(getattr(font, "size", 64) * 1.25)
    # Centre the block of lines vertically in the area above the caption band.
    top = (HEIGHT - _BAND - line_height * len(lines)) // 2
    for i, line in enumerate(lines):
        draw.text((_MARGIN, top + i * line_height), line, font=font, fill="#ffffff")
    if caption:
        small, folded = _font("regular", 30)
        # 85% white over the band, as an opaque colour: the band is a flat colour.
        r, g, b = ImageColor.getrgb(band)[:3]
        soft = (
            round(r + (255 - r) * 0.85),
            round(g + (255 - g) * 0.85),
            round(b + (255 - b) * 0.85),
        )
        draw.text(
            (_MARGIN, HEIGHT - _BAND // 2),
            _drawable(caption, folded),
            font=small,
            fill=soft,
            anchor="lm",
        )
    out = io.BytesIO()
    # A flat card needs few colours: a 32-colour palette halves the file and the time to
    # compress it, with no visible loss (text edges keep a few shades of antialiasing).
    image.quantize(32, method=Image.Quantize.FASTOCTREE).save(out, format="PNG")
    return out.getvalue()
