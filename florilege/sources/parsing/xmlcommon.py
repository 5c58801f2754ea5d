"""Pieces shared by the RSS and Atom readers: namespace-neutral element keys, media helpers."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from lxml import etree

from florilege.sources.parsing.model import Enclosure, ParsedEntry
from florilege.sources.parsing.text import parse_length, resolve_url

# Namespace URI (normalised: stripped, lower-case, no trailing slash) -> short prefix.
# "" means "the format's own vocabulary": RSS 1.0/0.90 and the odd RSS 2.0 namespaces.
_PREFIXES = {
    "http://purl.org/rss/1.0": "",
    "http://channel.netscape.com/rdf/simple/0.9": "",
    "http://my.netscape.com/rdf/simple/0.9": "",
    "http://backend.userland.com/rss2": "",
    "http://blogs.law.harvard.edu/tech/rss": "",
    "http://purl.org/rss/1.0/modules/content": "content",
    "http://purl.org/dc/elements/1.1": "dc",
    "http://purl.org/dc/terms": "dcterms",
    "http://search.yahoo.com/mrss": "media",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://www.w3.org/2005/atom": "atom",
    "http://purl.org/atom/ns#": "atom03",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://www.w3.org/1999/xhtml": "xhtml",
}


@lru_cache(maxsize=2048)
def key(tag: str) -> str:
    """Key of a tag: prefix:local for known namespaces, local for the feed's own, else as is.

    Matching on these keys instead of Clark names lets one reader accept the many
    spellings of the same namespace found in the wild (case, whitespace, trailing slash).
    """
    if tag[0] != "{":
        return tag
    ns, local = tag[1:].split("}", 1)
    prefix = _PREFIXES.get(ns.strip().lower().rstrip("/"))
    if prefix is None:
        return tag
    return f"{prefix}:{local}" if prefix else local


def elements(el: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """Child elements with their keys, skipping comments, PIs and entity references."""
    for child in el:
        tag = child.tag
        if isinstance(tag, str):
            yield key(tag), child


def is_image(url: str, mime: str = "", medium: str = "") -> bool:
    if medium:
        return medium == "image"
    if mime:
        return mime.startswith("image/")
    path = url.lower().split("?", 1)[0]
    return path.endswith((".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg"))


# Ranks of image sources, best first: an explicit thumbnail beats an image attachment.
THUMBNAIL, MEDIA_IMAGE, ITUNES_IMAGE, ENCLOSURE_IMAGE = range(4)


def add_media(
    entry: ParsedEntry, k: str, el: etree._Element, base: str, images: list[tuple[int, str]]
) -> None:
    """Fold media:*, itunes:image and enclosures into ``entry.enclosures`` and ``images``.

    ``images`` collects (rank, url) candidates; the caller keeps the best-ranked one.
    """
    if k == "media:group":
        for sub_key, sub in elements(el):
            add_media(entry, sub_key, sub, base, images)
        return
    if k == "itunes:image":
        url = resolve_url(base, el.get("href") or el.text)
        if url:
            images.append((ITUNES_IMAGE, url))
        return
    url = resolve_url(base, el.get("url") or el.get("href"))
    if not url:
        return
    mime = (el.get("type") or "").strip()
    if k == "media:thumbnail":
        images.append((THUMBNAIL, url))
        return
    if k == "media:content" and is_image(url, mime, (el.get("medium") or "").strip()):
        # An image media:content is both the entry's picture and one of its attachments.
        images.append((MEDIA_IMAGE, url))
    elif is_image(url, mime):
        images.append((ENCLOSURE_IMAGE, url))
    if any(enc.url == url for enc in entry.enclosures):
        return
    length = parse_length(el.get("length") or el.get("fileSize"))
    entry.enclosures.append(Enclosure(url=url, type=mime, length=length))


def best_image(images: list[tuple[int, str]]) -> str:
    """The best-ranked candidate (first one found among equals), or ""."""
    return min(images, key=lambda pair: pair[0])[1] if images else ""
