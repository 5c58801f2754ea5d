"""OPML in and out: the subscription lists people carry between feed readers.

Leaf module: no Django, no network. ``parse_opml`` turns uploaded bytes into a flat list
of feed outlines, each with the folder path it sat in; ``write_opml`` writes OPML 2.0
from (title, feed URL, site URL, folder) rows. The input is hostile until proven
otherwise: it is size-capped, entities are never expanded, no DTD or network is loaded,
and a document that declares entities is refused outright (OPML never needs them, and
internal entities are expanded in attribute values whatever the parser options say).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime

from django.utils.translation import gettext as _
from lxml import etree

from florilege.lib.urls import MAX_URL_LENGTH, is_http_url
from florilege.lib.xml import safe_parser
from florilege.sources.parsing.xmlload import repair_bytes

__all__ = [
    "MAX_OPML_BYTES",
    "OpmlDocument",
    "OpmlError",
    "Outline",
    "feed_url_problem",
    "parse_opml",
    "write_opml",
]

# Large enough for any real export (a 1,000-feed OPML is ~200 KB), small enough to parse
# in a request.
MAX_OPML_BYTES = 2 * 1024 * 1024
MAX_OUTLINES = 10_000
# Deeper folders are flattened into their ancestor at this depth: nobody files feeds
# 16 folders deep, and an unbounded path would end up in tags and logs.
MAX_FOLDER_DEPTH = 16
MAX_TITLE = 300
# Longest feed address we store (Source.url).
MAX_FEED_URL = 2000

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SPACE_RE = re.compile(r"\s+")


class OpmlError(ValueError):
    """The bytes are not an OPML document we accept; the message is for the user."""


@dataclass(frozen=True)
class Outline:
    """One feed of the file. ``folder`` is the path of enclosing outline titles, outermost
    first; ``categories`` are the OPML ``category`` attribute's slash-paths."""

    title: str
    xml_url: str
    html_url: str = ""
    folder: tuple[str, ...] = ()
    categories: tuple[tuple[str, ...], ...] = ()


@dataclass
class OpmlDocument:
    title: str = ""
    outlines: list[Outline] = field(default_factory=list)
    # Set when the file was not well-formed and we read it as far as we could.
    repaired: bool = False


def _clean(text: str | None, limit: int = MAX_TITLE) -> str:
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub("", text or "")).strip()[:limit]


def _local(tag: object) -> str:
    # Comments and entities have non-string tags; namespaced OPML exists in the wild.
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _attrs(element: etree._Element) -> dict[str, str]:
    # Exporters disagree on case (xmlUrl, xmlurl, XMLURL): compare names lowercased.
    return {_local(name): value for name, value in element.attrib.items()}


def _declares_entities(root: etree._Element) -> bool:
    dtd = root.getroottree().docinfo.internalDTD
    return dtd is not None and any(True for _ in dtd.iterentities())


def _load(data: bytes) -> tuple[etree._Element, bool]:
    """Strict parse, then strict after cheap repairs (bare "&" in URLs is the usual flaw of
    hand-made OPML), then libxml2's recover mode."""
    try:
        return etree.fromstring(data, parser=safe_parser(False)), False
    except (etree.XMLSyntaxError, ValueError, LookupError) as exc:
        first_error = str(exc).strip() or exc.__class__.__name__
    if "entit" in first_error.lower() and b"<!ENTITY" in data:
        # External entities and entity bombs fail the strict parse; never retry them.
        raise OpmlError(_("This file declares XML entities, which OPML never uses; refused."))
    for candidate, recover in ((repair_bytes(data), False), (data, True)):
        try:
            root = etree.fromstring(candidate, parser=safe_parser(recover))
        except (etree.XMLSyntaxError, ValueError, LookupError):
            continue
        if root is not None:
            return root, True
    raise OpmlError(
        _("This file is not well-formed XML, so not OPML: %(error)s") % {"error": first_error}
    )


def _categories(value: str) -> tuple[tuple[str, ...], ...]:
    paths = []
    for raw in value.split(",")[:20]:
        path = tuple(p for p in (_clean(part) for part in raw.split("/")) if p)
        if path:
            paths.append(path[:MAX_FOLDER_DEPTH])
    return tuple(paths)


def parse_opml(data: bytes) -> OpmlDocument:
    """Read an OPML file (1.0 or 2.0) into its feed outlines, in document order.

    An outline with an ``xmlUrl`` is a feed (its address is returned as written, stripped,
    for the caller to judge with ``feed_url_problem``); an outline without one is a
    folder whose title prefixes the folder path of what it contains. Raises OpmlError
    for anything that is not OPML: too big, not XML, another root element, entities.
    """
    if not isinstance(data, bytes | bytearray):
        raise OpmlError(_("No file was received."))
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_OPML_BYTES // (1024 * 1024)}
        )
    if not bytes(data).strip():
        raise OpmlError(_("The file is empty."))
    root, repaired = _load(bytes(data))
    if _declares_entities(root):
        raise OpmlError(_("This file declares XML entities, which OPML never uses; refused."))
    if _local(root.tag) != "opml":
        name = _local(root.tag) or "?"
        raise OpmlError(
            _("This is not an OPML file (it is an XML <%(name)s> document).") % {"name": name}
        )

    document = OpmlDocument(repaired=repaired)
    for child in root:
        name = _local(child.tag)
        if name == "head":
            for item in child:
                if _local(item.tag) == "title":
                    document.title = _clean(item.text)
        elif name == "body":
            document.outlines = _walk(child)
    return document


def _walk(body: etree._Element) -> list[Outline]:
    """Depth-first, without recursion: a hostile file may nest outlines very deep."""
    found: list[Outline] = []
    stack: list[tuple[etree._Element, tuple[str, ...]]] = [
        (child, ()) for child in reversed(list(body))
    ]
    while stack:
        element, folder = stack.pop()
        if _local(element.tag) != "outline":
            continue
        attrs = _attrs(element)
        title = _clean(attrs.get("title") or attrs.get("text"))
        xml_url = (attrs.get("xmlurl") or "").strip()
        if xml_url:
            found.append(
                Outline(
                    title=title,
                    xml_url=xml_url[: MAX_URL_LENGTH + 1],
                    html_url=(attrs.get("htmlurl") or "").strip()[: MAX_URL_LENGTH + 1],
                    folder=folder,
                    categories=_categories(attrs.get("category") or ""),
                )
            )
            if len(found) >= MAX_OUTLINES:
                break
        children = list(element)
        if children:
            inner = (*folder, title) if title and len(folder) < MAX_FOLDER_DEPTH else folder
            stack.extend((child, inner) for child in reversed(children))
    return found


def feed_url_problem(url: str) -> str:
    """Why ``url`` cannot be followed as a feed, in plain words; "" when it can."""
    if not url:
        return _("no feed address (xmlUrl is empty)")
    if len(url) > MAX_FEED_URL:
        return _("the address is longer than %(n)s characters") % {"n": MAX_FEED_URL}
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        shown = f"{scheme}:" if scheme and scheme.isalnum() else _("relative or unknown")
        return _(
            "not a web address (%(scheme)s); only http:// and https:// feeds can be followed"
        ) % {"scheme": shown}
    if not is_http_url(url):
        return _("not a valid web address")
    return ""


def _xml_text(text: str, limit: int = MAX_URL_LENGTH) -> str:
    # lxml refuses control characters; a title may carry them from a feed.
    return _CONTROL_RE.sub("", text or "").strip()[:limit]


def _folder_path(folder: str | Sequence[str] | None) -> tuple[str, ...]:
    if not folder:
        return ()
    parts = [folder] if isinstance(folder, str) else list(folder)
    return tuple(p for p in (_xml_text(part, MAX_TITLE) for part in parts) if p)


def write_opml(
    feeds: Iterable[tuple[str, str, str, str | Sequence[str] | None]],
    title: str = "",
    created: datetime | None = None,
) -> bytes:
    """OPML 2.0 for ``feeds`` as (title, feed URL, site URL, folder) rows, in the given
    order. ``folder`` is a name or a path of names; feeds sharing a folder are grouped
    under one outline (created where the folder first appears)."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml_text(title, MAX_TITLE)
    if created is not None:
        etree.SubElement(head, "dateCreated").text = format_datetime(created)
    body = etree.SubElement(root, "body")
    folders: dict[tuple[str, ...], etree._Element] = {(): body}
    for feed_title, xml_url, html_url, folder in feeds:
        parent = _folder_element(folders, _folder_path(folder))
        name = _xml_text(feed_title, MAX_TITLE) or _xml_text(xml_url)
        outline = etree.SubElement(parent, "outline", type="rss", text=name, title=name)
        outline.set("xmlUrl", _xml_text(xml_url))
        if html_url:
            outline.set("htmlUrl", _xml_text(html_url))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _folder_element(
    folders: dict[tuple[str, ...], etree._Element], path: tuple[str, ...]
) -> etree._Element:
    for depth in range(1, len(path) + 1):
        key = path[:depth]
        if key not in folders:
            folders[key] = etree.SubElement(
                folders[path[: depth - 1]], "outline", text=key[-1], title=key[-1]
            )
    return folders[path]
