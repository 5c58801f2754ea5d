"""Item and stream identifiers of the Google Reader API, as FreshRSS's ``greader.php``
documents them: an item is ``tag:google.com,2005:reader/item/<16 hex digits>`` (long
form) or the same number in decimal (short form, what ``stream/items/ids`` answers); a
topic is the label ``user/-/label/<title>`` and the feed ``feed/<id>``. Pure functions:
nothing here reads the database."""

from __future__ import annotations

import re
from dataclasses import dataclass

from florilege.lib.params import MAX_ID

LONG_PREFIX = "tag:google.com,2005:reader/item/"
READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
KEPT_UNREAD = "user/-/state/com.google/kept-unread"
LABEL_PREFIX = "user/-/label/"
FEED_PREFIX = "feed/"
_LONG = re.compile(r"tag:google\.com,2005:reader/item/([0-9a-fA-F]{16})")
_SHORT = re.compile(r"-?[0-9]{1,20}")
# A user id in place of "-" ("user/1/state/...") names the same streams.
_USER = re.compile(r"^user/[0-9]{1,19}/")


def long_id(pk: int) -> str:
    return f"{LONG_PREFIX}{pk:016x}"


def parse_item_id(raw: str) -> int | None:
    """The suggestion id an item id names, long or short form; None when malformed. Short
    ids are signed 64-bit numbers in some clients (Reeder sends negatives for big ids)."""
    raw = raw.strip()
    if match := _LONG.fullmatch(raw):
        value = int(match.group(1), 16)
    elif _SHORT.fullmatch(raw):
        value = int(raw) % 2**64 if raw.startswith("-") else int(raw)
    else:
        return None
    return value if 0 < value <= MAX_ID else None


def normalise_stream(raw: str) -> str:
    return _USER.sub("user/-/", raw.strip(), count=1)


@dataclass(frozen=True)
class Stream:
    """What a stream id asks for: every topic (``topic_id`` None), one topic by its feed
    id, one by its label (``label``), or the starred items."""

    kind: str  # "all", "feed", "label", "starred", "read"
    topic_id: int | None = None
    label: str = ""


def parse_stream(raw: str) -> Stream | None:
    """None for a stream this server does not know (the caller answers 400)."""
    stream = normalise_stream(raw)
    if stream in ("", READING_LIST):
        return Stream("all")
    if stream == STARRED:
        return Stream("starred")
    if stream == READ:
        return Stream("read")
    if stream.startswith(FEED_PREFIX):
        rest = stream[len(FEED_PREFIX) :]
        if rest.isascii() and rest.isdigit() and 0 < len(rest) <= 18:
            return Stream("feed", topic_id=int(rest))
        return None
    if stream.startswith(LABEL_PREFIX) and 0 < len(stream) - len(LABEL_PREFIX) <= 200:
        return Stream("label", label=stream[len(LABEL_PREFIX) :])
    return None


def parse_continuation(raw: str | None) -> int | None:
    """Our continuation is the offset of the next page, as a decimal string; 0 when absent,
    None when malformed."""
    if raw is None or raw == "":
        return 0
    if raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    return None
