"""Who is asking, without knowing who they are: keyed hashes under the day's salt."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest

from florilege.analytics.services import daily_salt, visitor_hash


def client_address(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and settings.CONFIG.TRUST_X_FORWARDED_FOR:
        # Only the last hop was added by our own proxy; earlier ones are the client's word.
        address = forwarded.rsplit(",", 1)[-1].strip()
    return address


def reader_hash(request: HttpRequest, now: datetime) -> str:
    """A reader (address and browser) for de-duplicating reactions and reports."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    return visitor_hash(client_address(request), agent, daily_salt(now.date()))


def address_hash(request: HttpRequest, now: datetime) -> str:
    """The address alone, for rate limits: changing the user agent must not reset them."""
    return visitor_hash(client_address(request), "", daily_salt(now.date()))


def author_key(name: str, email: str) -> str:
    """Recognises a returning comment author; keyed with the site secret so the stored
    value says nothing about the address to someone reading the database."""
    if not email:
        return ""
    message = f"{' '.join(name.split()).casefold()}\n{email.strip().casefold()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
