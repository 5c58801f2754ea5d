"""Pure helpers for public pages: accent colours with enough contrast, JSON-LD documents
and share links. No models imported, so they are tested with plain values."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

from django.utils.safestring import SafeString, mark_safe

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
LIGHT_BG = "#fdfcf9"  # --bg and --card of site.css, light and dark
LIGHT_CARD = "#ffffff"
DARK_BG = "#16161a"
DARK_CARD = "#1f1f25"
MIN_CONTRAST = 4.5  # WCAG AA for body-size text (links are text)


def _channels(color: str) -> tuple[float, float, float]:
    red, green, blue = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return red, green, blue


def luminance(color: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mix(color: str, toward: str, amount: float) -> str:
    mixed = [
        round((c + (t - c) * amount) * 255)
        for c, t in zip(_channels(color), _channels(toward), strict=True)
    ]
    return "#" + "".join(f"{v:02x}" for v in mixed)


def readable(color: str, backgrounds: tuple[str, ...], toward: str) -> str:
    """``color`` moved toward black or white just enough to read on every background."""
    for step in range(21):
        candidate = _mix(color, toward, step / 20)
        if all(contrast(candidate, bg) >= MIN_CONTRAST for bg in backgrounds):
            return candidate
    return toward


def accent_pair(color: str) -> tuple[str, str] | None:
    """The topic's accent for light and dark mode, or None for the site's default."""
    if not HEX.match(color or ""):
        return None
    color = color.lower()
    return (
        readable(color, (LIGHT_BG, LIGHT_CARD), "#000000"),
        readable(color, (DARK_BG, DARK_CARD), "#ffffff"),
    )


def json_ld(data: dict) -> SafeString:
    """A JSON-LD block; ``<``, ``>`` and ``&`` escaped so no text can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def share_links(url: str, title: str) -> dict[str, str]:
    """Plain links to each network's own share page: no script, nothing loaded from them."""
    text = f"{title} {url}"
    return {
        "linkedin": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        "bluesky": "https://bsky.app/intent/compose?" + urlencode({"text": text}),
        "email": f"mailto:?subject={quote(title)}&body={quote(url)}",
    }


_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# A fediverse handle, "@me@fosstodon.org" or "me@fosstodon.org": its host is the server.
_HANDLE = re.compile(r"@?[a-z0-9_.-]{1,64}@(?P<host>[^@/\\:\s]+)")


def mastodon_instance(raw: str) -> str | None:
    """A reader's instance ("mastodon.social", "https://piaille.fr/", "@me@fosstodon.org")
    as a bare host name, or None when it is not one: no path, port, IP address, userinfo
    ("https://evil@x.example") or backslash, only a domain name."""
    value = (raw or "").strip().lower()[:300]
    handle = _HANDLE.fullmatch(value)
    if handle:
        value = handle["host"]
    else:
        value = re.sub(r"^https?://", "", value)
        value = value.removesuffix("/")
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return value if _HOST.match(value) else None


def mastodon_share_url(instance: str, text: str) -> str:
    return f"https://{instance}/share?" + urlencode({"text": text[:500]})


LAYOUTS = ("list", "grid")


def reader_layout(default: str, requested: str | None) -> str:
    """The layout a reader sees: the one asked for with ``?layout=``, if it is one, else the
    topic's own. Anything else in the parameter is ignored rather than refused: a mangled
    link still shows the page."""
    return requested if requested in LAYOUTS else default


def layout_query(default: str, layout: str) -> str:
    """The query that keeps ``layout`` across links: none for the topic's own layout, so
    its plain address stays the one page the cache holds for most readers."""
    return "" if layout == default else f"layout={layout}"
