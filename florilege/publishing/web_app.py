"""The installable web app: the site's manifest (with the share target that opens "Scoop
this"), each public topic's own manifest, and the service worker's settings.

Pure functions of their inputs: the views pass in the addresses (reversed, static) so
these build plain dictionaries that tests can read without a request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from florilege.publishing.app_icons import SIZES, icon_name

# The site's light background and accent (site.css ``--bg`` and ``--accent``): the splash
# screen and the title bar of the installed app match the pages.
BACKGROUND = "#fdfcf9"
THEME = "#9b2c55"
SHORT_NAME_LENGTH = 12


@dataclass(frozen=True)
class AppPlace:
    """Where an installed app starts and what it covers."""

    name: str
    short_name: str
    description: str
    start_url: str
    scope: str
    theme: str = THEME


def icons(static_url: Callable[[str], str]) -> list[dict[str, str]]:
    """The PNG icons, ordinary and maskable, at every size (static, hashed addresses)."""
    listed = []
    for size in SIZES:
        for maskable in (False, True):
            listed.append(
                {
                    "src": static_url("florilege/icons/" + icon_name(size, maskable=maskable)),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "maskable" if maskable else "any",
                }
            )
    return listed


def manifest(
    place: AppPlace,
    *,
    lang: str,
    static_url: Callable[[str], str],
    share_action: str | None = None,
) -> dict[str, object]:
    """The manifest's members. ``share_action`` (the site's app only) makes the installed
    app a target of the phone's share sheet: a GET to it with ``title``, ``text`` and
    ``url``, which is what ``/scoop`` reads."""
    data: dict[str, object] = {
        "id": place.start_url,
        "name": place.name,
        "short_name": place.short_name,
        "description": place.description,
        "lang": lang,
        "start_url": place.start_url,
        "scope": place.scope,
        "display": "standalone",
        "theme_color": place.theme,
        "background_color": BACKGROUND,
        "icons": icons(static_url),
    }
    if share_action is not None:
        data["share_target"] = {
            "action": share_action,
            "method": "GET",
            "params": {"title": "title", "text": "text", "url": "url"},
        }
    return data


def short_name(title: str) -> str:
    """What fits under an icon on a home screen: the title, cut at a word when too long."""
    title = " ".join(title.split())
    if len(title) <= SHORT_NAME_LENGTH:
        return title
    cut = title[:SHORT_NAME_LENGTH].rsplit(" ", 1)[0]
    return cut if cut else title[:SHORT_NAME_LENGTH]
