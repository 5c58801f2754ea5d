"""Clicks out: every link to an original article goes through ``/go/<token>``, which counts
the click and answers 302 at once.

The token names the scoop, where the link was (page, feed, digest edition, embed,
fediverse copy) and carries an HMAC of both under the site's secret key, so nobody can
make the site redirect elsewhere (the target is always the scoop's own address) nor
count clicks for a channel the link was not in. It is short enough for plain-text mail.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils.crypto import constant_time_compare, salted_hmac

from florilege.analytics.classify import device_of, is_probably_bot, referrer_bucket, referrer_host
from florilege.analytics.models import ClickEvent

VIA = {"p": "page", "f": "feed", "d": "digest", "e": "embed", "a": "fediverse"}
CODE = {name: code for code, name in VIA.items()}
SIGNATURE_CHARS = 12  # 72 bits: forging one means about 2**71 requests
_TOKEN = re.compile(r"^(\d{1,12})([pfdea])(\d{0,12})\.([A-Za-z0-9_-]{12})$")


class BadToken(ValueError):
    """A /go/ token that was not made here (or was cut or altered on the way)."""


@dataclass(frozen=True)
class Click:
    scoop_id: int
    via: str
    edition: int | None = None


def _signature(value: str) -> str:
    digest = salted_hmac("florilege.analytics.go", value, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def token(scoop_id: int, via: str = "page", edition: int | None = None) -> str:
    if via not in CODE:
        raise ValueError(f"unknown link place {via!r}")
    value = f"{scoop_id}{CODE[via]}{edition if edition is not None else ''}"
    return f"{value}.{_signature(value)}"


def parse(raw: str) -> Click:
    found = _TOKEN.match(raw)
    if not found:
        raise BadToken(raw[:40])
    scoop, code, edition, signature = found.groups()
    if not constant_time_compare(signature, _signature(f"{scoop}{code}{edition}")):
        raise BadToken(raw[:40])
    return Click(int(scoop), VIA[code], int(edition) if edition else None)


def go_path(scoop_id: int, via: str = "page", edition: int | None = None) -> str:
    return f"/go/{token(scoop_id, via, edition)}"


def go_url(scoop_id: int, via: str = "page", edition: int | None = None) -> str:
    """The absolute address (feeds, mail and federated copies leave the site)."""
    return settings.BASE_URL + go_path(scoop_id, via, edition)


def record_click(
    meta: Mapping[str, Any], click: Click, topic_id: int, now: datetime, own_host: str
) -> bool:
    """One INSERT, unless a robot (link previews fetch links too); True if counted."""
    user_agent = str(meta.get("HTTP_USER_AGENT", ""))
    if not settings.CONFIG.ANALYTICS_ENABLED or is_probably_bot(user_agent):
        return False
    host = referrer_host(str(meta.get("HTTP_REFERER", "")))
    try:
        ClickEvent.objects.create(
            topic_id=topic_id,
            scoop_id=click.scoop_id,
            at=now,
            via=click.via,
            edition=click.edition,
            referrer=referrer_bucket(host, own_host),
            device=device_of(user_agent),
        )
    except DatabaseError:
        return False  # a busy database must not keep the reader from the article
    return True
