"""The installed app's icons, drawn with Pillow from the favicon's design (a four-petal
flower on the site's accent colour).

They are drawn once and committed as static files (``manage.py draw_app_icons`` redraws
them) rather than rendered by a view: static files get hashed names and immutable cache
headers, cost nothing per request, and a browser fetching the manifest's icons never
reaches Python. The sizes are the two every install prompt asks for."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ACCENT = (0x9B, 0x2C, 0x55, 255)
PETAL = (255, 255, 255, 255)
SIZES = (192, 512)
STATIC_DIR = Path(__file__).resolve().parent / "static" / "florilege" / "icons"
# Drawn larger then reduced: Pillow's shapes have no anti-aliasing of their own.
_SUPERSAMPLE = 4


def icon_name(size: int, *, maskable: bool = False) -> str:
    return f"icon-{'maskable-' if maskable else ''}{size}.png"


def draw_icon(size: int, *, maskable: bool = False) -> Image.Image:
    """A ``size``-pixel square icon. The ordinary icon is a disc on a transparent square;
    the maskable one fills the whole square (the phone cuts its own shape) and keeps the
    flower inside the central safe circle (radius 40% of the side)."""
    big = size * _SUPERSAMPLE
    image = Image.new("RGBA", (big, big), ACCENT if maskable else (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = big / 2
    if not maskable:
        margin = big * 0.03
        draw.ellipse((margin, margin, big - margin, big - margin), fill=ACCENT)
    # Petal reach from the centre: well inside the disc, or inside the maskable safe zone.
    reach = big * (0.30 if maskable else 0.36)
    half_width = reach * 0.28
    for dx, dy in ((0, -1), (0, 1), (-1, 0), (1, 0)):
        mid_x, mid_y = centre + dx * reach / 2, centre + dy * reach / 2
        along, across = reach / 2, half_width
        rx, ry = (across, along) if dx == 0 else (along, across)
        draw.ellipse((mid_x - rx, mid_y - ry, mid_x + rx, mid_y + ry), fill=PETAL)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def write_icons(directory: Path = STATIC_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for size in SIZES:
        for maskable in (False, True):
            path = directory / icon_name(size, maskable=maskable)
            draw_icon(size, maskable=maskable).save(path, "PNG", optimize=True)
            written.append(path)
    return written
