"""Pick the right reader for a feed's bytes, sniffing the content rather than trusting headers."""

from __future__ import annotations

from lxml import etree

from florilege.sources.parsing.atom import parse_atom, parse_atom_entry
from florilege.sources.parsing.jsonfeed import parse_json_feed
from florilege.sources.parsing.model import FeedParseError, ParsedFeed
from florilege.sources.parsing.rss import parse_rss
from florilege.sources.parsing.xmlload import load_xml

_UTF8_BOM = b"\xef\xbb\xbf"
_RSS_ROOTS = frozenset({"rss", "RDF", "rdf", "channel"})


def _looks_like_json(data: bytes) -> bool:
    """True when the first meaningful byte opens a JSON object or array."""
    head = data[:512]
    if head.startswith(_UTF8_BOM):
        head = head[len(_UTF8_BOM) :]
    return head.lstrip()[:1] in (b"{", b"[")


def parse(
    data: bytes,
    url: str = "",
    content_type: str = "",
    *,
    max_items: int | None = None,
    max_bytes: int | None = None,
) -> ParsedFeed:
    """Parse feed bytes; raises FeedParseError when they are not a feed at all."""
    if max_bytes is not None and len(data) > max_bytes:
        # The fetch refuses longer bodies already; this covers bytes that came another way
        # (a push, a file), so that no input costs more memory than a fetched feed can.
        raise FeedParseError(f"the document is larger than {max_bytes} bytes")
    if not data or not data.strip():
        raise FeedParseError("empty document")
    try:
        if _looks_like_json(data):
            # Content wins over Content-Type: servers label JSON Feeds as text/plain and worse.
            return parse_json_feed(data, url, max_items)
        root, bozo = load_xml(data, content_type)
        return _parse_tree(root, url, bozo, max_items)
    except (ValueError, TypeError, RecursionError) as exc:
        if isinstance(exc, FeedParseError):
            raise
        # A flaw outside any item (the feed's own title, say) that no repair could get
        # past: the feed is unreadable, which is the parser's answer, not a crash.
        raise FeedParseError(f"unreadable feed ({type(exc).__name__}: {exc})"[:300]) from exc


def _parse_tree(
    root: etree._Element, url: str, bozo: str, max_items: int | None = None
) -> ParsedFeed:
    tag = root.tag if isinstance(root.tag, str) else ""
    local = tag.rsplit("}", 1)[-1]
    if local == "feed":
        # Any namespace: odd or outdated Atom namespaces still deserve a best-effort read.
        return parse_atom(root, url, bozo, max_items)
    if local == "entry":
        return parse_atom_entry(root, url, bozo)
    if local in _RSS_ROOTS:
        return parse_rss(root, url, bozo, max_items)
    if local.lower() == "html":
        raise FeedParseError("this is an HTML page, not a feed")
    raise FeedParseError(f"not a feed: the document element is <{local or '?'}>")
