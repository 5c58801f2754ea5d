"""Compressing a response body once, and reading whether a client takes it compressed.

A leaf module (no Django). gzip only: it is what every browser and feed reader accepts,
and the standard library has it (brotli would be a new compiled dependency for a few
percent more on pages already small).
"""

from __future__ import annotations

import gzip

# Below this a body gains nothing worth the header and the work.
MIN_BYTES = 256


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header takes gzip (``gzip``, ``x-gzip`` or ``*``
    without ``q=0``; an explicit gzip entry wins over ``*``)."""
    wildcard = False
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            return quality > 0
        if coding == "*":
            wildcard = quality > 0
    return wildcard


def gzipped(body: bytes) -> bytes | None:
    """The body compressed (the same bytes every time: no timestamp, so every process
    stores an identical copy), or None when that would not make it smaller."""
    if len(body) < MIN_BYTES:
        return None
    packed = gzip.compress(body, compresslevel=6, mtime=0)
    return packed if len(packed) < len(body) else None
