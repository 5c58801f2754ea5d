"""RSS 0.90, 0.91-0.94, 1.0 (RDF) and 2.0 reader, with the common namespace extensions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from lxml import etree

from florilege.sources.parsing.dates import parse_date
from florilege.sources.parsing.items import ItemCollector
from florilege.sources.parsing.model import ParsedEntry, ParsedFeed
from florilege.sources.parsing.text import (
    XML_LANG,
    child_base,
    person_name,
    resolve_html_urls,
    resolve_url,
    text_of,
)
from florilege.sources.parsing.xmlcommon import (
    add_media,
    best_image,
    elements,
    key,
)

# Keys that may repeat and matter in every occurrence; for the rest the first one wins.
_REPEATED = frozenset({"link", "atom:link", "category", "dc:subject"})
_MEDIA = frozenset({"enclosure", "media:content", "media:thumbnail", "media:group", "itunes:image"})

# Candidate elements per field, most authoritative first.
_ITEM_PUBLISHED = ("pubDate", "dc:date", "dcterms:issued", "dcterms:created", "atom:published")
_ITEM_UPDATED = ("atom:updated", "dcterms:modified", "lastBuildDate")
_ITEM_AUTHOR = ("author", "dc:creator", "itunes:author", "dc:author")
_ITEM_SUMMARY = ("description", "dc:description", "itunes:summary", "atom:summary")
_ITEM_CONTENT = ("content:encoded", "xhtml:body", "atom:content")
_FEED_UPDATED = ("lastBuildDate", "pubDate", "dc:date", "atom:updated", "dcterms:modified")
_FEED_AUTHOR = ("itunes:author", "dc:creator", "managingEditor", "author", "dc:publisher")
_FEED_DESCRIPTION = ("description", "dc:description", "itunes:summary", "itunes:subtitle")


def rss_format(root: etree._Element) -> str:
    """Our format label: "rss2.0", "rss0.91", "rss0.92" (0.92-0.94), "rss1.0", "rss0.90"."""
    if root.tag.endswith("RDF"):
        ns = root.nsmap.get(None, "") or ""
        return "rss0.90" if "netscape" in ns else "rss1.0"
    version = (root.get("version") or "").strip()
    if version.startswith("0.91"):
        return "rss0.91"
    if version.startswith("0.9"):
        return "rss0.92"
    return "rss2.0"


def _collect(el: etree._Element) -> tuple[dict[str, etree._Element], dict[str, list], list]:
    """One pass over children: first element per key, all of the repeated ones, and media."""
    first: dict[str, etree._Element] = {}
    many: dict[str, list[etree._Element]] = {}
    media: list[tuple[str, etree._Element]] = []
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # comments, processing instructions, entity references
        k = key(tag)
        if k == "item":
            continue  # read one at a time by ``_items``, never all held at once
        if k in _REPEATED:
            many.setdefault(k, []).append(child)
        elif k in _MEDIA:
            media.append((k, child))
        first.setdefault(k, child)
    return first, many, media


def _first_text(first: dict[str, etree._Element], keys: tuple[str, ...]) -> str:
    for k in keys:
        el = first.get(k)
        if el is not None:
            value = text_of(el)
            if value:
                return value
    return ""


def _first_date(first: dict[str, etree._Element], keys: tuple[str, ...]) -> datetime | None:
    for k in keys:
        el = first.get(k)
        if el is not None:
            value = parse_date(text_of(el))
            if value is not None:
                return value
    return None


def _person(first: dict[str, etree._Element], keys: tuple[str, ...]) -> str:
    for k in keys:
        el = first.get(k)
        if el is None:
            continue
        # atom:author / nested dc:creator structures: prefer a name child when present.
        if len(el):
            for sub_key, sub in elements(el):
                if sub_key.endswith("name") and text_of(sub):
                    return text_of(sub)
        value = person_name(text_of(el))
        if value:
            return value
    return ""


def _link(many: dict[str, list], base: str) -> str:
    """The page URL: first <link> with text (or href), else an alternate atom:link."""
    for el in many.get("link", ()):
        href = text_of(el) or (el.get("href") or "").strip()
        if href:
            return resolve_url(base, href)
    for el in many.get("atom:link", ()):
        if (el.get("rel") or "alternate").strip() == "alternate" and el.get("href"):
            return resolve_url(child_base(base, el), el.get("href"))
    return ""


def _categories(many: dict[str, list]) -> list[str]:
    found: list[str] = []
    for el in (*many.get("category", ()), *many.get("dc:subject", ())):
        value = text_of(el) or (el.get("term") or "").strip()
        if value and value not in found:
            found.append(value)
    return found


def _date_of(item: etree._Element) -> datetime | None:
    """The date ``_parse_item`` would rank the item by, read alone."""
    first, _, _ = _collect(item)
    return _first_date(first, _ITEM_PUBLISHED) or _first_date(first, _ITEM_UPDATED)


def _parse_item(item: etree._Element, base: str, feed_language: str) -> ParsedEntry:
    base = child_base(base, item)
    first, many, media = _collect(item)
    entry = ParsedEntry()
    guid = first.get("guid")
    # RSS 1.0's rdf:about is a resource URI (in practice the link), not a guid: without a
    # guid the id stays empty and storage derives a stable one from the link.
    entry.id = text_of(guid) if guid is not None else ""
    entry.title = _first_text(first, ("title", "dc:title"))
    entry.link = _link(many, base)
    # RSS 2.0: a guid is a permalink unless isPermaLink="false".
    if (
        not entry.link
        and guid is not None
        and entry.id.startswith(("http://", "https://"))
        and (guid.get("isPermaLink") or "true").strip().lower() != "false"
    ):
        entry.link = entry.id
    entry.published = _first_date(first, _ITEM_PUBLISHED)
    entry.updated = _first_date(first, _ITEM_UPDATED)
    entry.author = _person(first, (*_ITEM_AUTHOR, "atom:author"))
    entry.summary = resolve_html_urls(_first_text(first, _ITEM_SUMMARY), base)
    entry.content = resolve_html_urls(_first_text(first, _ITEM_CONTENT), base)
    entry.categories = _categories(many)
    images: list[tuple[int, str]] = []
    for k, el in media:
        add_media(entry, k, el, base, images)
    entry.image = best_image(images)
    entry.language = (
        (item.get(XML_LANG) or "").strip() or _first_text(first, ("dc:language",)) or feed_language
    )
    return entry


def _feed_image(first: dict[str, etree._Element], media: list, base: str) -> str:
    image = first.get("image")
    if image is not None:
        for k, sub in elements(image):
            if k == "url" and text_of(sub):
                return resolve_url(child_base(base, image), text_of(sub))
    for k, el in media:
        if k == "itunes:image" and (el.get("href") or el.text):
            return resolve_url(base, el.get("href") or el.text)
        if k == "media:thumbnail" and el.get("url"):
            return resolve_url(base, el.get("url"))
    return ""


def _items(parent: etree._Element) -> Iterator[etree._Element]:
    """The <item> children, one at a time: a feed of a million items would need hundreds
    of megabytes to hold a Python object for each of them at once."""
    for child in parent:
        tag = child.tag
        if isinstance(tag, str) and key(tag) == "item":
            yield child


def _fill_channel(feed: ParsedFeed, channel: etree._Element, base: str) -> None:
    """Channel-level fields into ``feed``."""
    first, many, media = _collect(channel)
    feed.title = _first_text(first, ("title", "dc:title"))
    feed.link = _link(many, base)
    for el in many.get("atom:link", ()):
        rel = (el.get("rel") or "").strip()
        href = resolve_url(child_base(base, el), el.get("href"))
        if rel == "self" and href and not feed.self_url:
            feed.self_url = href
        elif rel == "hub" and href and href not in feed.hubs:
            feed.hubs.append(href)
    feed.description = _first_text(first, _FEED_DESCRIPTION)
    feed.language = (
        _first_text(first, ("language", "dc:language")) or (channel.get(XML_LANG) or "").strip()
    )
    feed.updated = _first_date(first, _FEED_UPDATED)
    feed.author = _person(first, _FEED_AUTHOR)
    feed.image = _feed_image(first, media, base)


def parse_rss(
    root: etree._Element, url: str, bozo: str, max_items: int | None = None
) -> ParsedFeed:
    feed = ParsedFeed(format=rss_format(root), bozo=bozo)
    base = child_base(url, root)
    channel_base = base
    channel = None
    rdf_image = None
    if key(root.tag) == "channel":
        # A few 0.9x-era feeds have <channel> as the document element.
        channel = root
    else:
        for k, child in elements(root):
            if k == "channel" and channel is None:
                channel = child
            elif k == "image" and rdf_image is None:
                # RSS 1.0: the channel's <image rdf:resource> only points at this element,
                # whose <url> is the image (the resource URI is an identifier).
                rdf_image = child
    if channel is not None:
        channel_base = child_base(base, channel)
        _fill_channel(feed, channel, channel_base)
    if not feed.image and rdf_image is not None:
        feed.image = _feed_image({"image": rdf_image}, [], base)
    if not feed.language:
        feed.language = (root.get(XML_LANG) or "").strip()
    collector = ItemCollector(max_items)
    if channel is not None:
        collector.read(
            _items(channel), lambda item: _parse_item(item, channel_base, feed.language), _date_of
        )
    if channel is not root:
        # RSS 1.0 and some 0.9x feeds put items next to the channel, not inside it.
        collector.read(_items(root), lambda item: _parse_item(item, base, feed.language), _date_of)
    return collector.finish(feed)
