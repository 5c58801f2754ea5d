"""Find the feeds a web site offers, from bytes the caller already fetched.

Leaf module: no Django, no network. ``find_feed_links`` reads the page's <link>
tags, ``looks_like_feed`` sniffs a response, ``common_feed_paths`` lists URLs worth
probing when a page advertises nothing.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from florilege.lib.urls import absolutize, canonical_url, is_http_url
from florilege.sources.extract import MAX_HTML_BYTES, clean_text, decode_html, parse_html

__all__ = ["FeedLink", "common_feed_paths", "find_feed_links", "looks_like_feed"]

MAX_TITLE = 300

# Types that only ever describe a feed in a rel=alternate link.
_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
        "text/xml",
    }
)
# Generic types also used for non-feeds (WordPress advertises its REST API as
# application/json): only accepted when the title or URL says "feed".
_GENERIC_TYPES = frozenset({"application/json", "application/xml"})
_FEED_HINT_RE = re.compile(r"feed|rss|atom", re.IGNORECASE)

# Content types that are feeds whatever the body looks like at first glance.
_FEED_CONTENT_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
    }
)
_SNIFF_BYTES = 64 * 1024
# Root element names, compared lowercased and without namespace prefix.
_FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
_HTML_ROOTS = frozenset({"html", "head", "body"})
_ROOT_RE = re.compile(r"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_JSONFEED_RE = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/version/')

# Probed in this order: the most common conventions first (WordPress/Substack,
# Ghost, Jekyll, Hugo, static generators, Blogger, JSON Feed).
_COMMON_FEED_NAMES = (
    "feed",
    "rss",
    "feed.xml",
    "rss.xml",
    "atom.xml",
    "index.xml",
    "feed.json",
    "atom",
    "feeds/posts/default",
)


@dataclass
class FeedLink:
    url: str
    type: str  # MIME type as advertised, lowercased, without parameters
    title: str


def _mime(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def find_feed_links(html: bytes | str, base_url: str) -> list[FeedLink]:
    """Feeds advertised by ``<link rel="alternate" type=...>`` in a page, in page order.

    Relative hrefs are resolved against the page's <base href> (itself resolved against
    ``base_url``), then ``base_url``. Non-http(s) targets are dropped, duplicates (by
    canonical URL) keep their first occurrence. Never raises.
    """
    try:
        text = decode_html(html) if isinstance(html, bytes | bytearray) else str(html or "")
        doc = parse_html(text[:MAX_HTML_BYTES])
    except Exception:  # junk markup yields "no feeds", not an error
        return []
    if doc is None:
        return []

    base = base_url.strip() if isinstance(base_url, str) else ""
    for element in doc.iter("base"):
        href = element.get("href")
        if href:
            resolved = absolutize(base, href)
            if is_http_url(resolved):
                base = resolved
            break  # only the first <base href> counts, as in browsers

    links: list[FeedLink] = []
    seen: set[str] = set()
    for element in doc.iter("link"):
        rel_tokens = (element.get("rel") or "").lower().split()
        if "alternate" not in rel_tokens:
            continue
        href = element.get("href")
        if not href or not href.strip():
            continue
        mime = _mime(element.get("type"))
        title = clean_text(element.get("title") or "", MAX_TITLE)
        if mime in _GENERIC_TYPES:
            if not (_FEED_HINT_RE.search(title) or _FEED_HINT_RE.search(href)):
                continue
        elif mime not in _FEED_TYPES:
            continue
        url = absolutize(base, href)
        if not is_http_url(url):  # javascript:, data:, mailto: and broken URLs
            continue
        key = canonical_url(url)
        if key in seen:
            continue
        seen.add(key)
        links.append(FeedLink(url=url, type=mime, title=title))
    return links


def _sniff_text(data: bytes) -> str:
    head = data[:_SNIFF_BYTES]
    # UTF-16 feeds exist; recognise them by BOM or by the NUL byte next to "<".
    if head.startswith((codecs.BOM_UTF16_LE, b"<\x00")):
        return head.decode("utf-16-le", "replace").lstrip("\ufeff")
    if head.startswith((codecs.BOM_UTF16_BE, b"\x00<")):
        return head.decode("utf-16-be", "replace").lstrip("\ufeff")
    return head.decode("utf-8", "replace").lstrip("\ufeff")


def _skip_prolog(text: str) -> str:
    # Skip what may precede the root element: whitespace, the XML declaration,
    # processing instructions (xml-stylesheet), comments and a non-HTML DOCTYPE
    # (RSS 0.91 has one).
    while True:
        text = text.lstrip()
        lowered = text[:14].lower()
        if text.startswith("<?"):
            terminator = "?>"
        elif text.startswith("<!--"):
            terminator = "-->"
        elif lowered.startswith("<!doctype") and lowered != "<!doctype html":
            terminator = ">"
        else:
            return text
        end = text.find(terminator)
        if end < 0:
            return ""
        text = text[end + len(terminator) :]


def looks_like_feed(data: bytes, content_type: str) -> bool:
    """Cheap guess whether a response is an RSS/Atom/RDF/JSON feed.

    The body decides when it is recognisable (servers often send feeds as text/html
    or text/plain, and error pages with a feed type); the content type only decides
    when the body is inconclusive.
    """
    if not isinstance(data, bytes | bytearray) or not data:
        return False
    mime = _mime(content_type if isinstance(content_type, str) else "")
    text = _skip_prolog(_sniff_text(bytes(data)))

    if text.startswith("{"):
        if _JSONFEED_RE.search(text):
            return True
        # JSON key order is free, "version" may come after the first 64 KiB.
        return mime == "application/feed+json"
    if text.startswith("<"):
        if text[:14].lower() == "<!doctype html":
            return False
        match = _ROOT_RE.match(text)
        if match:
            root = match.group(2).lower()
            if root in _FEED_ROOTS:
                return True
            if root in _HTML_ROOTS:
                return False
            # Another XML vocabulary (sitemap, SOAP...) is not a feed, whatever the
            # generic XML content type says.
            return mime in _FEED_CONTENT_TYPES
    return mime in _FEED_CONTENT_TYPES


def common_feed_paths(site_url: str) -> list[str]:
    """Absolute URLs to probe when a site advertises no feed, most likely first.

    If ``site_url`` points inside a site ("/blog/" or "/blog/post.html") the names
    are tried in that directory first, then at the root.
    """
    if not is_http_url(site_url if isinstance(site_url, str) else ""):
        return []
    parts = urlsplit(site_url)
    path = parts.path or "/"
    if not path.endswith("/"):
        head, _, last = path.rpartition("/")
        # "/blog" is most likely a directory; "/blog/post.html" is a file in "/blog/".
        path = head + "/" if "." in last else path + "/"
    directories = [path] if path == "/" else [path, "/"]

    candidates: list[str] = []
    for directory in directories:
        for name in _COMMON_FEED_NAMES:
            url = urlunsplit((parts.scheme, parts.netloc, directory + name, "", ""))
            if url not in candidates:
                candidates.append(url)
    return candidates
