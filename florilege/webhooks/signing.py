"""Standard Webhooks signatures (https://www.standardwebhooks.com/, spec 1.0.0).

A leaf module: no Django. Each request carries ``webhook-id`` (the message id, the same on
every retry so receivers can drop duplicates), ``webhook-timestamp`` (Unix seconds of this
attempt: receivers refuse old ones, so it is signed afresh on each try) and
``webhook-signature``: ``v1,`` and the base64 HMAC-SHA256 of ``id.timestamp.body``, keyed
with the secret's bytes. The secret is shown to the curator as ``whsec_`` and base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(PREFIX)
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
    }
