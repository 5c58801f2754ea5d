"""The address a request came from, for counting and throttling (never stored as it is)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings


def client_address(meta: Mapping[str, Any]) -> str:
    """``REMOTE_ADDR``; behind our own reverse proxy (``FLORILEGE_TRUST_X_FORWARDED_FOR=1``)
    the last ``X-Forwarded-For`` entry instead: that one was added by the proxy, the
    earlier ones are whatever the client chose to send."""
    address = str(meta.get("REMOTE_ADDR", ""))
    forwarded = str(meta.get("HTTP_X_FORWARDED_FOR", ""))
    if forwarded and settings.CONFIG.TRUST_X_FORWARDED_FOR:
        address = forwarded.rsplit(",", 1)[-1].strip()
    return address
