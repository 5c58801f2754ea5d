"""What a parsed feed looks like, whatever its format. A leaf module: no Django, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class FeedParseError(Exception):
    """The bytes are not a feed we can read at all (as opposed to a feed with flaws)."""


@dataclass
class Enclosure:
    url: str
    type: str = ""
    length: int | None = None


@dataclass
class ParsedEntry:
    # The feed's own identifier (RSS guid, Atom id, JSON Feed id); "" when absent.
    id: str = ""
    title: str = ""
    # Absolute URL of the item's page ("" when absent).
    link: str = ""
    # Timezone-aware datetimes in UTC, or None when missing or unreadable.
    published: datetime | None = None
    updated: datetime | None = None
    # Display name of the first author ("" when none); email only when no name is given.
    author: str = ""
    # Raw (unsanitised) HTML or text as found in the feed; storage sanitises it.
    summary: str = ""
    content: str = ""
    image: str = ""
    categories: list[str] = field(default_factory=list)
    enclosures: list[Enclosure] = field(default_factory=list)
    language: str = ""


@dataclass
class ParsedFeed:
    # "rss0.91", "rss0.92", "rss1.0", "rss2.0", "atom0.3", "atom1.0", "json1.0", "json1.1"
    format: str = ""
    title: str = ""
    link: str = ""
    description: str = ""
    language: str = ""
    updated: datetime | None = None
    author: str = ""
    image: str = ""
    # WebSub hub URLs and the feed's self URL, when advertised.
    hubs: list[str] = field(default_factory=list)
    self_url: str = ""
    entries: list[ParsedEntry] = field(default_factory=list)
    # Set when the input was ill-formed but could be read in part (recover mode): the reason.
    bozo: str = ""
    # Items that could not be read at all (the others are kept), and why the first one not.
    skipped: int = 0
    skip_reason: str = ""
    # Items left out because the feed lists more than the reader was asked to keep.
    dropped: int = 0
