"""Date parsing for feeds: RFC 822 and its many wild variants, ISO 8601 / RFC 3339.

Every function here returns an aware UTC datetime or None; nothing raises, because a
bad date must never cost us the entry that carries it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

# Month names and abbreviations in French, German, Spanish, Italian, Portuguese and Dutch,
# as localised CMS templates write them ("lun., 02 mars 2026", "2 März 2026"). Matched on the
# whole word (lower case, without its dot), so no abbreviation can shadow another month.
_LOCAL_MONTHS = {
    1: "janvier janv januar jänner jaenner enero ene gennaio gen janeiro januari",
    2: "février fevrier févr fevr fév fev februar febrero febbraio fevereiro februari",
    3: "mars märz maerz mrz marzo março marco maart mrt",
    4: "avril avr abril aprile",
    5: "mai mayo maggio mag maio mei",
    6: "juin juni junio giugno giu junho",
    7: "juillet juil juli julio luglio lug julho",
    8: "août aout aoû agosto ago augustus",
    9: "septembre sept september septiembre setiembre settembre setembro set",
    10: "octobre oktober okt octubre ottobre ott outubro out",
    11: "novembre noviembre novembro",
    12: "décembre decembre déc dezember dez diciembre dic dicembre dezembro",
}
_MONTH_NAMES = {
    **{name: number for number, names in _LOCAL_MONTHS.items() for name in names.split()},
    **{name: number for name, number in _MONTHS.items()},
    "sept": 9, "june": 6, "july": 7, "march": 3, "april": 4,
}  # fmt: skip
# Filler words between the parts of a spelled-out date: "2 de marzo de 2026", "2 di marzo".
_FILLERS = re.compile(r"\s(?:de|del|di|der|den|van)\s", re.IGNORECASE)

# Offsets in hours for the zone names feeds actually use (RFC 822 plus a few common ones).
_ZONES = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0, "bst": 1, "cet": 1, "met": 1,
    "cest": 2, "eet": 2, "eest": 3, "msk": 3, "ist": 5.5, "jst": 9, "kst": 9,
    "hkt": 8, "sgt": 8, "awst": 8, "acst": 9.5, "aest": 10, "nzst": 12,
    "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6,
    "pst": -8, "pdt": -7, "akst": -9, "akdt": -8, "hst": -10,
    "a": -1, "m": -12, "n": 1, "y": 12,
}  # fmt: skip

_ISO = re.compile(
    r"(?P<y>\d{4})(?:-?(?P<mo>\d{2})(?:-?(?P<d>\d{2}))?)?"
    r"(?:[T\s]+(?P<h>\d{1,2}):?(?P<mi>\d{2})(?::?(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?)?"
    r"\s*(?P<z>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)

_TIME = (
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
)
_ZONE = r"(?P<z>(?:[A-Za-z]{1,5})?\s*[+-]\d{1,2}:?\d{2}|[A-Za-z]{1,5}|\([A-Za-z ]+\))?"

# "Sun, 06 Jul 2014 12:56:00 GMT", "6-Jul-14 12:56 EST", "Sunday, 06 July 2014" ...
_RFC822 = re.compile(
    r"(?:[^\W\d_]+\.?,?\s*)?(?P<d>\d{1,2})(?:st|nd|rd|th|er)?[\s\-/.]+(?P<mo>[^\W\d_]{3,})\.?,?"
    r"[\s\-/.]+(?P<y>\d{2,4}),?(?:[\sT]+" + _TIME + r")?\s*" + _ZONE + r"\s*$"
)
# Month first: "Jul 06, 2014 12:56:00 GMT" and JavaScript's "Sun Jul 06 2014 12:56:00 GMT+0000".
_MONTH_FIRST = re.compile(
    r"(?:[^\W\d_]+\.?,?\s+)?(?P<mo>[^\W\d_]{3,})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?"
    r"\s+(?P<y>\d{4}),?(?:[\sT]+" + _TIME + r")?\s*" + _ZONE + r"(?:\s+\(.*\))?\s*$"
)
# asctime(): "Sun Jul  6 12:56:00 2014" (optionally with a zone before the year).
_ASCTIME = re.compile(
    r"(?:[A-Za-z]+\s+)?(?P<mo>[A-Za-z]{3,})\s+(?P<d>\d{1,2})\s+" + _TIME + r"\s+"
    r"(?:(?P<z>[A-Za-z]{1,5})\s+)?(?P<y>\d{4})\s*$"
)


def parse_date(value: str | None) -> datetime | None:
    """Best-effort parse of a feed date into an aware UTC datetime; None if unreadable."""
    if not value:
        return None
    text = " ".join(value.split())
    if not text:
        return None
    try:
        if text[0].isdigit() and len(text) >= 4 and text[:4].isdigit():
            return _fast_iso(text) or _parse_iso(text)
        return _parse_rfc822(text)
    except (ValueError, OverflowError):
        # Out-of-range fields (month 13, day 32, year 0) from otherwise well-shaped dates.
        return None


def _fast_iso(text: str) -> datetime | None:
    """RFC 3339 as most feeds write it, through the C parser; None to take the slow path."""
    if len(text) < 19 or text[10] != "T":
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _parse_iso(text: str) -> datetime | None:
    m = _ISO.match(text)
    if not m:
        return _parse_rfc822(text)
    frac = m["f"] or ""
    micro = int((frac + "000000")[:6]) if frac else 0
    dt = datetime(
        int(m["y"]),
        int(m["mo"] or 1),
        int(m["d"] or 1),
        int(m["h"] or 0),
        int(m["mi"] or 0),
        int(m["s"] or 0),
        micro,
    )
    return _apply_zone(dt, m["z"])


def _month(name: str) -> int | None:
    """Month number of an English or localised month name or abbreviation."""
    name = name.lower().rstrip(".")
    return _MONTH_NAMES.get(name) or (_MONTHS.get(name[:3]) if name.isascii() else None)


def _parse_rfc822(text: str) -> datetime | None:
    m = _RFC822.match(text) or _MONTH_FIRST.match(text) or _ASCTIME.match(text)
    if not m and _FILLERS.search(text):
        text = _FILLERS.sub(" ", _FILLERS.sub(" ", text))
        m = _RFC822.match(text) or _MONTH_FIRST.match(text)
    if not m:
        return None
    month = _month(m["mo"])
    if month is None:
        return None
    year = int(m["y"])
    if len(m["y"]) <= 2:
        # Two-digit years: the RFC 2822 rule (00-49 -> 2000s, 50-99 -> 1900s).
        year += 2000 if year < 50 else 1900
    elif len(m["y"]) == 3:
        year += 1900
    hour, minute, second = int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0)
    ampm = (m["ampm"] or "")[:1].lower()
    if ampm and 1 <= hour <= 12:
        # 12-hour clock: 12 AM is midnight, 12 PM is noon.
        hour = hour % 12 + (12 if ampm == "p" else 0)
    extra = timedelta()
    if hour == 24 and minute == 0 and second == 0:
        # Some generators write midnight as 24:00; that is the next day's 00:00.
        hour, extra = 0, timedelta(days=1)
    dt = datetime(year, month, int(m["d"]), hour, minute, second) + extra
    return _apply_zone(dt, m["z"])


def _apply_zone(dt: datetime, zone: str | None) -> datetime | None:
    offset = _zone_offset(zone)
    if offset is None:
        return None
    return (dt - offset).replace(tzinfo=UTC)


@lru_cache(maxsize=256)
def _zone_offset(zone: str | None) -> timedelta | None:
    """Offset east of UTC; a missing or unknown zone name counts as UTC (most feeds mean it)."""
    if not zone:
        return timedelta()
    zone = zone.strip().strip("()").strip()
    sign_at = max(zone.rfind("+"), zone.rfind("-"))
    if sign_at < 0:
        hours = _ZONES.get(zone.lower().split()[0] if zone else "", 0)
        return timedelta(hours=hours)
    digits = zone[sign_at + 1 :].replace(":", "")
    if not digits.isdigit():
        return timedelta()
    if len(digits) <= 2:
        hh, mm = int(digits), 0
    else:
        hh, mm = int(digits[:-2]), int(digits[-2:])
    if hh > 23 or mm > 59:
        return None
    delta = timedelta(hours=hh, minutes=mm)
    return -delta if zone[sign_at] == "-" else delta
