"""Dates as a topic's people read them: in the topic's time zone and the page's language.

Pure: the moment, the zone's name and the style in, the text and the ISO stamp out. The
``topic_dates`` template library wraps it in a ``<time>`` element.

Why a tag given the topic rather than a middleware that activates the topic's zone per
request: every page that shows a topic's dates already has the topic loaded, so the tag
costs no query, while a middleware would have to guess which URL parameter names a topic
and look it up again on every request (and pinned query counts would all grow by one).
Pages about several topics (notifications) pass each row's topic; pages about none fall
back to the site's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import formats

# Django's localised formats: the language decides the order and the month names.
STYLES = {"datetime": "DATETIME_FORMAT", "date": "DATE_FORMAT", "short": "SHORT_DATETIME_FORMAT"}


@dataclass(frozen=True)
class ShownDate:
    text: str  # for people: "6 décembre 2026 23:17"
    iso: str  # for machines: the <time datetime> value, with the zone's offset
    zone: str  # the zone's name, shown as a hint


def zone_named(name: str | None) -> ZoneInfo:
    """The zone called ``name``; the site's zone when it is empty or unknown (a topic saved
    before names were checked must not break its pages)."""
    for candidate in (name, settings.TIME_ZONE, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    raise ZoneInfoNotFoundError("UTC")  # pragma: no cover - UTC always exists


def show_date(moment: datetime, zone_name: str | None, style: str = "datetime") -> ShownDate:
    """``moment`` (aware) as read in ``zone_name``, in the active language's format."""
    zone = zone_named(zone_name)
    if moment.tzinfo is None:
        # Stored values are aware; a naive one is taken to be UTC rather than refused.
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(zone)
    fmt = STYLES.get(style, STYLES["datetime"])
    return ShownDate(formats.date_format(local, fmt), local.isoformat(timespec="seconds"), zone.key)
