"""Atom 1.0 (RFC 4287) and Atom 0.3 reader, honouring xml:base and xml:lang."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache

from lxml import etree

from florilege.sources.parsing.dates import parse_date
from florilege.sources.parsing.items import ItemCollector
from florilege.sources.parsing.model import Enclosure, ParsedEntry, ParsedFeed
from florilege.sources.parsing.text import (
    XML_LANG,
    child_base,
    decode_base64,
    inner_markup,
    parse_length,
    resolve_html_urls,
    resolve_url,
    text_of,
)
from florilege.sources.parsing.xmlcommon import (
    ENCLOSURE_IMAGE,
    add_media,
    best_image,
    key,
)

ATOM10_NS = "http://www.w3.org/2005/Atom"
ATOM03_NS = "http://purl.org/atom/ns#"

_XHTML_TYPES = ("xhtml", "application/xhtml+xml")
_HTML_TYPES = ("html", "text/html")
_MEDIA = frozenset({"media:content", "media:thumbnail", "media:group", "itunes:image", "enclosure"})


def atom_format(root: etree._Element) -> str:
    if root.tag == f"{{{ATOM03_NS}}}feed" or (root.get("version") or "").strip() == "0.3":
        return "atom0.3"
    return "atom1.0"


@lru_cache(maxsize=1024)
def _atom_key(tag: str) -> str:
    k = key(tag)
    return k.split(":", 1)[1] if k.startswith(("atom:", "atom03:")) else k


def _atom_children(el: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """Children keyed by local name for Atom elements (either version, or no namespace)."""
    for child in el:
        tag = child.tag
        if isinstance(tag, str):
            yield _atom_key(tag), child


def text_construct(el: etree._Element, base: str) -> str:
    """Value of an Atom text construct: text as is, (X)HTML as raw markup."""
    if (el.get("mode") or "").strip() == "base64":  # Atom 0.3
        return decode_base64(el.text or "")
    kind = (el.get("type") or "text").strip().lower()
    if kind in _XHTML_TYPES:
        children = [child for child in el if isinstance(child.tag, str)]
        wrapper = el
        if len(children) == 1 and etree.QName(children[0]).localname == "div":
            # The XHTML div is a wrapper, not part of the content (RFC 4287 §3.1.1.3).
            wrapper = children[0]
        return resolve_html_urls(inner_markup(wrapper).strip(), child_base(base, wrapper))
    if kind in _HTML_TYPES or (el.get("mode") or "").strip() == "escaped":
        return resolve_html_urls(text_of(el), base)
    if kind == "text" or kind.startswith("text/"):
        return text_of(el)
    if kind.endswith("xml"):
        # XML media types hold XML (RFC 4287 §4.1.3.3): keep it serialised, escapes included.
        return inner_markup(el).strip()
    # Any other media type is base64-encoded (RFC 4287 §4.1.3.3).
    return decode_base64(text_of(el))


def _person(el: etree._Element) -> str:
    name = email = ""
    for k, child in _atom_children(el):
        if k == "name" and not name:
            name = text_of(child)
        elif k == "email" and not email:
            email = text_of(child)
    return name or email


class _Links:
    """What an element's <link>s tell us: page URL, self URL, hubs, enclosures."""

    def __init__(self) -> None:
        self.alternate = ""
        self.self_url = ""
        self.hubs: list[str] = []
        self.enclosures: list[Enclosure] = []

    def add(self, el: etree._Element, base: str) -> None:
        href = resolve_url(child_base(base, el), el.get("href"))
        if not href:
            return
        rel = (el.get("rel") or "alternate").strip()
        if rel == "alternate":
            if not self.alternate:
                self.alternate = href
        elif rel == "self":
            self.self_url = self.self_url or href
        elif rel == "hub":
            self.hubs.append(href)
        elif rel == "enclosure" and all(enc.url != href for enc in self.enclosures):
            length = parse_length(el.get("length"))
            self.enclosures.append(Enclosure(href, (el.get("type") or "").strip(), length))


def _date(el: etree._Element) -> datetime | None:
    return parse_date(text_of(el))


def _parse_entry(el: etree._Element, base: str, lang: str, feed_author: str) -> ParsedEntry:
    base = child_base(base, el)
    entry = ParsedEntry(language=(el.get(XML_LANG) or "").strip() or lang)
    links = _Links()
    images: list[tuple[int, str]] = []
    created = None
    source_author = ""
    for k, child in _atom_children(el):
        if k == "id" and not entry.id:
            entry.id = text_of(child)
        elif k == "title" and not entry.title:
            entry.title = text_construct(child, child_base(base, child))
        elif k == "link":
            links.add(child, base)
        elif k in ("published", "issued") and entry.published is None:
            entry.published = _date(child)
        elif k == "created":
            created = _date(child)
        elif k in ("updated", "modified") and entry.updated is None:
            entry.updated = _date(child)
        elif k == "author" and not entry.author:
            entry.author = _person(child)
        elif k in ("summary", "dc:description") and not entry.summary:
            entry.summary = text_construct(child, child_base(base, child))
        elif k == "content" and not entry.content:
            entry.content = text_construct(child, child_base(base, child))
        elif k in ("category", "dc:subject"):
            term = (child.get("term") or "").strip() or text_of(child)
            if term and term not in entry.categories:
                entry.categories.append(term)
        elif k == "source":
            source_author = _source_author(child)
        elif k == "dc:creator" and not entry.author:
            entry.author = text_of(child)
        elif k in _MEDIA:
            add_media(entry, k, child, base, images)
    entry.link = links.alternate
    if not entry.link and entry.id.startswith(("http://", "https://")):
        # No alternate link: an http(s) id is, in practice, the entry's permalink.
        entry.link = entry.id
    entry.published = entry.published or created
    # RFC 4287 §4.2.1: an entry without author inherits its source's, then its feed's.
    entry.author = entry.author or source_author or feed_author
    entry.enclosures = links.enclosures + [
        enc for enc in entry.enclosures if all(e.url != enc.url for e in links.enclosures)
    ]
    for enc in links.enclosures:
        if enc.type.startswith("image/"):
            images.append((ENCLOSURE_IMAGE, enc.url))
    entry.image = best_image(images)
    return entry


def _date_of(el: etree._Element) -> datetime | None:
    """The date ``_parse_entry`` would rank the entry by, read alone."""
    published = created = updated = None
    for k, child in _atom_children(el):
        if k in ("published", "issued") and published is None:
            published = _date(child)
        elif k == "created":
            created = _date(child)
        elif k in ("updated", "modified") and updated is None:
            updated = _date(child)
    return published or created or updated


def _source_author(source: etree._Element) -> str:
    for k, child in _atom_children(source):
        if k == "author":
            return _person(child)
    return ""


def parse_atom(
    root: etree._Element, url: str, bozo: str, max_items: int | None = None
) -> ParsedFeed:
    feed = ParsedFeed(format=atom_format(root), bozo=bozo)
    base = child_base(url, root)
    feed.language = (root.get(XML_LANG) or "").strip()
    links = _Links()
    logo = icon = ""
    for k, child in _atom_children(root):
        if k == "entry":
            continue  # read one at a time below, never all held at once
        if k == "title" and not feed.title:
            feed.title = text_construct(child, child_base(base, child))
        elif k == "link":
            links.add(child, base)
        elif k in ("subtitle", "tagline") and not feed.description:
            feed.description = text_construct(child, child_base(base, child))
        elif k in ("updated", "modified") and feed.updated is None:
            feed.updated = _date(child)
        elif k == "author" and not feed.author:
            feed.author = _person(child)
        elif k == "logo":
            logo = resolve_url(child_base(base, child), text_of(child))
        elif k == "icon":
            icon = resolve_url(child_base(base, child), text_of(child))
    feed.link = links.alternate
    feed.self_url = links.self_url
    feed.hubs = links.hubs
    feed.image = logo or icon
    collector = ItemCollector(max_items)
    entries = (child for k, child in _atom_children(root) if k == "entry")
    collector.read(
        entries, lambda el: _parse_entry(el, base, feed.language, feed.author), _date_of
    )
    return collector.finish(feed)


def parse_atom_entry(root: etree._Element, url: str, bozo: str) -> ParsedFeed:
    """An Atom Entry Document (RFC 4287 §2): a lone <entry>, read as a one-entry feed."""
    feed = ParsedFeed(format="atom1.0", bozo=bozo)
    collector = ItemCollector()
    collector.read([root], lambda el: _parse_entry(el, url, (el.get(XML_LANG) or "").strip(), ""))
    return collector.finish(feed)
