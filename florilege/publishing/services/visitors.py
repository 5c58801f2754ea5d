"""Recognising a returning comment author without storing who they are. (Readers' limits
and one-per-reader counts are keyed by ``analytics.throttle``.)"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def author_key(name: str, email: str) -> str:
    """Recognises a returning comment author; keyed with the site secret so the stored
    value says nothing about the address to someone reading the database."""
    if not email:
        return ""
    message = f"{' '.join(name.split()).casefold()}\n{email.strip().casefold()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
