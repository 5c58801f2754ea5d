"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), HMAC-SHA1, 6 digits.

A leaf module: no models, the clock passed in. Authenticator apps (FreeOTP, Aegis, Google
Authenticator...) read the ``otpauth://`` URI or the base32 secret typed in by hand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP = 30
DIGITS = 6
# One step either side: the phone's clock may be half a minute off, and a code typed at the
# end of its window arrives in the next one.
WINDOW = 1


def new_secret() -> str:
    """160 random bits (the size RFC 4226 recommends), base32 without padding."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226 section 5.3: dynamic truncation of HMAC(key, counter)."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def counter_at(unix_time: float, step: int = STEP) -> int:
    return int(unix_time // step)


def code_at(secret: str, unix_time: float) -> str:
    return hotp(_key(secret), counter_at(unix_time))


def verify(secret: str, code: str, unix_time: float, last_counter: int | None = None) -> int | None:
    """The counter ``code`` matches within the window, or None.

    A counter at or before ``last_counter`` (the last one accepted) is refused, so a code
    seen over someone's shoulder cannot be used a second time.
    """
    code = "".join(code.split())
    # isascii: "²" and other digits of other scripts pass isdigit(), and then
    # compare_digest refuses them in a str.
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    key = _key(secret)
    now = counter_at(unix_time)
    for counter in range(now - WINDOW, now + WINDOW + 1):
        if last_counter is not None and counter <= last_counter:
            continue
        if hmac.compare_digest(hotp(key, counter), code):
            return counter
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI authenticator apps import (as text or QR code)."""
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1",
                       "digits": DIGITS, "period": STEP})  # fmt: skip
    return f"otpauth://totp/{label}?{query}"
