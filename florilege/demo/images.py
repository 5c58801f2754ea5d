"""Generated cover images for demo articles: small SVG cards, deterministic per article.

Generating them (rather than shipping image files) keeps the demo free of third-party media and
lets feed enclosures state an exact byte length.
"""

from __future__ import annotations

import colorsys
import hashlib
import textwrap
from xml.sax.saxutils import escape, quoteattr

WIDTH = 1200
HEIGHT = 630
# At 64px, ~28 characters of a proportional sans-serif fit inside the 1040px text column.
_WRAP_WIDTH = 28
_MAX_LINES = 3


def colour_for(seed: str) -> tuple[str, str]:
    """A background colour and a darker band colour, both chosen from ``seed`` alone.

    Lightness and saturation are fixed so white text always stays readable; only the hue varies.
    """
    hue = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:2], "big") / 65536
    return _hex(hue, 0.36, 0.55), _hex(hue, 0.24, 0.55)


def _hex(hue: float, lightness: float, saturation: float) -> str:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def wrap_title(title: str) -> list[str]:
    """Split ``title`` into at most three lines, ending with an ellipsis when it was cut."""
    lines = textwrap.wrap(title, width=_WRAP_WIDTH) or [""]
    if len(lines) > _MAX_LINES:
        lines = lines[:_MAX_LINES]
        last = lines[-1]
        lines[-1] = (last[: _WRAP_WIDTH - 1].rstrip() if len(last) >= _WRAP_WIDTH else last) + "…"
    return lines


def render_svg(title: str, seed: str, caption: str = "") -> bytes:
    """A 1200 by 630 card showing ``title`` (wrapped) and ``caption``; all text is XML-escaped."""
    background, band = colour_for(seed)
    lines = wrap_title(title)
    line_height = 80
    # Centre the block of lines vertically in the area above the caption band.
    first_baseline = (HEIGHT - 90 - line_height * len(lines)) // 2 + 60
    tspans = "".join(
        f'<tspan x="80" y="{first_baseline + i * line_height}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{background}"/>',
        '<circle cx="1090" cy="110" r="190" fill="#ffffff" fill-opacity="0.08"/>',
        '<circle cx="1150" cy="40" r="90" fill="#ffffff" fill-opacity="0.08"/>',
        f'<rect y="{HEIGHT - 90}" width="{WIDTH}" height="90" fill="{band}"/>',
        "<text font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" "
        f'font-size="64" font-weight="700" fill="#ffffff">{tspans}</text>',
    ]
    if caption:
        parts.append(
            f'<text x="80" y="{HEIGHT - 34}" font-family="system-ui, sans-serif" '
            f'font-size="30" fill="#ffffff" fill-opacity="0.85">{escape(caption)}</text>'
        )
    parts.append("</svg>\n")
    return "".join(parts).encode("utf-8")
