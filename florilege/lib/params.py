"""Numbers read from a query string or a form, bounded.

``int()`` on what a visitor typed accepts too much (``"²"`` passes ``str.isdigit()`` and
then fails, ``"9" * 40`` overflows the database's integers, ``"9" * 5000`` is refused by
Python itself): these helpers answer ``None`` or a default instead, never an exception.
"""

from __future__ import annotations

import re

# The largest value a 64-bit signed integer column holds (SQLite and PostgreSQL bigint).
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
_SIGNED = re.compile(r"-?[0-9]{1,19}")


def positive_id(raw: object) -> int | None:
    """A database id: ASCII digits only, 1 to ``MAX_ID``; anything else is None."""
    if not isinstance(raw, str) or not _DIGITS.fullmatch(raw.strip()):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def bounded_int(raw: object, default: int, low: int, high: int) -> int:
    """An integer between ``low`` and ``high`` (a value outside is brought back to the
    nearest bound); ``default`` when ``raw`` is not a plain integer of at most 19 digits
    (no number anyone means has more)."""
    if not isinstance(raw, str) or not _SIGNED.fullmatch(raw.strip()):
        return default
    return max(low, min(high, int(raw)))


_UNSAFE_IN_PATH = re.compile(r"[\s\x00-\x1f\x7f\\]")
MAX_PATH = 2000


def local_path(raw: object, default: str) -> str:
    """``raw`` when it is a path on this site ("/t/x/?page=2#s-3"), else ``default``: never
    another host ("//evil", "https://evil"), never a character that could end a header."""
    if (
        not isinstance(raw, str)
        or not raw.startswith("/")
        or raw.startswith("//")
        or len(raw) > MAX_PATH
        or _UNSAFE_IN_PATH.search(raw)
    ):
        return default
    return raw
