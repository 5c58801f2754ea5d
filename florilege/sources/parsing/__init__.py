"""Feed parsing: bytes in, :class:`ParsedFeed` out. Leaf package: no Django, no network."""

from florilege.sources.parsing.model import Enclosure, FeedParseError, ParsedEntry, ParsedFeed

__all__ = ["Enclosure", "FeedParseError", "ParsedEntry", "ParsedFeed", "parse_feed"]


def parse_feed(
    data: bytes,
    url: str = "",
    content_type: str = "",
    *,
    max_items: int | None = None,
    max_bytes: int | None = None,
) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed 1.x bytes fetched from ``url``.

    At most ``max_items`` items are kept (the newest; ``feed.dropped`` counts the others);
    ``data`` longer than ``max_bytes`` is refused. An item that cannot be read is skipped
    (``feed.skipped``, ``feed.skip_reason``) rather than failing the feed.
    """
    from florilege.sources.parsing.dispatch import parse

    return parse(
        data, url=url, content_type=content_type, max_items=max_items, max_bytes=max_bytes
    )
