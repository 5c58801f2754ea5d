"""Metadata and main text of an already-fetched HTML page ("scoop any URL").

Leaf module: no Django, no network. The caller fetches; we only read bytes.
Everything here treats the page as hostile: every output is plain text, trimmed and
length-capped, URLs are absolute http(s), and nothing raises.
"""

from __future__ import annotations

import codecs
import html
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from florilege.lib.urls import absolutize, canonical_url, domain_of, is_http_url

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["PageMeta", "clean_text", "decode_html", "extract_page", "parse_datetime", "parse_html"]

logger = logging.getLogger(__name__)

# Bigger pages are truncated, not refused: the head (where metadata lives) and the start
# of the article are what matter, and parsing cost grows with size.
MAX_HTML_BYTES = 5 * 1024 * 1024
MAX_TITLE = 300
MAX_DESCRIPTION = 1000
MAX_EXCERPT = 300  # a description we synthesise from the text should stay short
MAX_NAME = 200  # site name, author
MAX_TEXT = 20_000
MAX_URL = 4096
# Beyond this size trafilatura's fallback extractors cost more than they bring.
_FAST_EXTRACTION_CHARS = 1_000_000
# trafilatura's cost grows with the number of elements (~1 s per 40k); real articles have
# a few thousand, so the tail of a bigger tree is cut before handing it over.
MAX_EXTRACTION_ELEMENTS = 20_000

# Content types we try to parse. Unknown/empty is sniffed, because servers mislabel
# pages; anything clearly not a document (images, PDFs, archives...) is left alone.
_PARSEABLE_TYPES = frozenset(
    {"", "text/html", "application/xhtml+xml", "text/plain", "application/octet-stream"}
)

# How far into the page we look for a <meta charset>. Browsers stop at 1024 bytes, but
# real pages often declare it later and a wider scan is harmless.
_CHARSET_SCAN_BYTES = 8192
_META_CHARSET_RE = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_HEADER_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# Like browsers: these labels all mean windows-1252 on the web (WHATWG Encoding), and
# pages labelled latin-1 routinely contain cp1252 curly quotes.
_CP1252_LABELS = frozenset(
    {
        "iso-8859-1",
        "iso8859-1",
        "iso_8859-1",
        "latin1",
        "latin-1",
        "l1",
        "cp819",
        "ascii",
        "us-ascii",
        "iso-ir-100",
        "windows-1252",
    }
)
# Codecs Python knows but a web page must not pick: UTF-7 has a history of XSS filter
# bypasses, the escape codecs would turn "\x3c" into "<", UTF-16/32 are only trusted
# with a BOM (a page whose meta says utf-16 is ASCII-compatible, so really utf-8).
_REFUSED_CODECS = frozenset(
    {
        "utf-7",
        "unicode-escape",
        "raw-unicode-escape",
        "idna",
        "punycode",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
        "mbcs",
        "oem",
    }
)

_SCRIPT_STYLE_RE = re.compile(
    r"<(script|style|noscript|iframe)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL
)
_TAG_RE = re.compile(r"</?[A-Za-z!?][^<>]*>")
# Control characters (C0/C1 minus whitespace, which split() handles) and lone
# surrogates: PostgreSQL rejects NUL and surrogates cannot be encoded to UTF-8.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


@dataclass
class PageMeta:
    """What we could learn about a page; missing values are empty, never None-ish junk."""

    url: str
    canonical_url: str
    title: str = ""
    description: str = ""
    image: str = ""
    site_name: str = ""
    author: str = ""
    published: datetime | None = None  # aware, UTC
    language: str = ""  # BCP 47-ish tag, e.g. "fr" or "en-US"
    text: str = ""  # main text, paragraphs separated by "\n"


# --------------------------------------------------------------------------- decoding


def _lookup_codec(label: str | bytes | None) -> str | None:
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    label = label.strip().lower()
    if label in _CP1252_LABELS:
        return "cp1252"
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # codecs.lookup() also knows bytes-to-bytes codecs such as "base64" or "zlib".
    if not getattr(info, "_is_text_encoding", True):
        return None
    if info.name.replace("_", "-") in _REFUSED_CODECS:
        return None
    return info.name


def _declared_encoding(data: bytes, content_type: str) -> str | None:
    # Same precedence as browsers: the HTTP header wins over what the document says.
    match = _HEADER_CHARSET_RE.search(content_type or "")
    if match and (codec := _lookup_codec(match.group(1))):
        return codec
    head = data[:_CHARSET_SCAN_BYTES]
    for pattern in (_META_CHARSET_RE, _XML_DECL_RE):
        declared = pattern.search(head)
        if declared and (codec := _lookup_codec(declared.group(1))):
            return codec
    return None


def decode_html(data: bytes, content_type: str = "") -> str:
    """Decode page bytes: BOM, then header charset, then <meta>/XML declaration, then
    UTF-8 with replacement characters. Never raises."""
    if isinstance(data, str):
        return data
    data = bytes(data[:MAX_HTML_BYTES])
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace")
    codec = _declared_encoding(data, content_type) or "utf-8"
    try:
        return data.decode(codec, "replace")
    except (LookupError, ValueError):  # defensive: an odd codec slipping through
        return data.decode("utf-8", "replace")


def parse_html(text: str) -> HtmlElement | None:
    """Parse (possibly broken) HTML into an lxml tree, or None if there is nothing."""
    if not text or not text.strip():
        return None
    # Parse bytes with an explicit encoding: lxml refuses str input carrying an XML
    # encoding declaration, and the declared charset has already been applied.
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(
            text[:MAX_HTML_BYTES].encode("utf-8", "replace"), parser=parser
        )
    except (etree.LxmlError, ValueError):
        return None


# --------------------------------------------------------------------------- cleaning


def _truncate(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    # Prefer a word boundary unless that throws away too much.
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def clean_text(value: object, limit: int, *, unescape: bool = True) -> str:
    """Plain, single-line text: no markup, no control characters, collapsed spaces."""
    if not isinstance(value, str) or not value:
        return ""
    if unescape:
        # Attributes were already unescaped by the parser; a second pass fixes the
        # common double-escaping ("&amp;amp;") and exposes escaped markup to the
        # stripping below, so "&lt;script&gt;" cannot survive either.
        value = html.unescape(value)
    value = _SCRIPT_STYLE_RE.sub(" ", value)
    value = _TAG_RE.sub("", value)
    value = _CONTROL_RE.sub("", value)
    return _truncate(" ".join(value.split()), limit)


def _clean_body(value: object, limit: int) -> str:
    # Main text keeps paragraph breaks (one per line) but is otherwise collapsed.
    if not isinstance(value, str):
        return ""
    value = _CONTROL_RE.sub("", value)
    lines = (" ".join(line.split()) for line in value.splitlines())
    return _truncate("\n".join(line for line in lines if line), limit)


def _clean_url(value: object, base: str) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    url = absolutize(base, value)
    return url if len(url) <= MAX_URL and is_http_url(url) else ""


def _clean_language(value: object) -> str:
    if not isinstance(value, str):
        return ""
    # Content-Language may list several ("en, fr"); og:locale uses "en_US".
    tag = value.split(",")[0].strip().replace("_", "-")[:35]
    if not _LANG_RE.match(tag):
        return ""
    primary, *rest = tag.split("-")
    subtags = [primary.lower()]
    for sub in rest:
        subtags.append(
            sub.upper() if len(sub) == 2 else sub.title() if len(sub) == 4 else sub.lower()
        )
    return "-".join(subtags)


def parse_datetime(value: object) -> datetime | None:
    """ISO 8601 or RFC 2822 date -> aware UTC datetime; naive values are taken as UTC."""
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()[:64]
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                parsed = None
    else:
        parsed = None
    if parsed is None:
        return None
    try:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    # A page claiming year 1 or 9999 is lying; such dates would only break sorting.
    return parsed if 1970 <= parsed.year <= 2100 else None


# --------------------------------------------------------------------------- reading


def _mime(content_type: str) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _looks_binary(text: str) -> bool:
    head = text[:4096]
    if not head:
        return False
    bad = sum(1 for ch in head if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r\f"))
    return bad > len(head) * 0.1


def _meta_values(doc: HtmlElement) -> dict[str, str]:
    values: dict[str, str] = {}
    for element in doc.iter("meta"):
        content = element.get("content")
        if not content or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = (element.get(attribute) or "").strip().lower()
            # First occurrence wins: the first og:image is the main one by convention.
            if key and key not in values:
                values[key] = content
    return values


def _link_href(doc: HtmlElement, rel_token: str) -> str:
    for element in doc.iter("link"):
        tokens = (element.get("rel") or "").lower().split()
        href = element.get("href")
        if rel_token in tokens and href:
            return href
    return ""


def _document_title(doc: HtmlElement) -> str:
    for element in doc.iter("title"):
        # <title> inside inline SVG names the drawing, not the page.
        if any(ancestor.tag == "svg" for ancestor in element.iterancestors()):
            continue
        return element.text_content()
    return ""


def _base_url(doc: HtmlElement, page_url: str) -> str:
    for element in doc.iter("base"):
        href = element.get("href")
        if href:
            resolved = absolutize(page_url, href)
            return resolved if is_http_url(resolved) else page_url
    return page_url


def _first(values: dict[str, str], *keys: str) -> str:
    for key in keys:
        if values.get(key, "").strip():
            return values[key]
    return ""


def _same_site(a: str, b: str) -> bool:
    host_a, host_b = domain_of(a), domain_of(b)
    if not host_a or not host_b:
        return False
    return host_a == host_b or host_a.endswith("." + host_b) or host_b.endswith("." + host_a)


def _choose_canonical(candidates: list[str], page_url: str) -> str:
    page_path = urlsplit(page_url).path if is_http_url(page_url) else ""
    for candidate in candidates:
        if not candidate:
            continue
        if is_http_url(page_url):
            # A page may not claim another site's identity: that would let it be merged
            # with (and shadow) an unrelated item during deduplication.
            if not _same_site(candidate, page_url):
                continue
            # Many sites wrongly put their home page in og:url on every article; taking
            # it would merge every article into one item.
            if urlsplit(candidate).path in ("", "/") and page_path not in ("", "/"):
                continue
        return candidate
    return page_url


def _fill_from_markup(meta: PageMeta, doc: HtmlElement, page_url: str) -> None:
    base = _base_url(doc, page_url)
    values = _meta_values(doc)

    meta.title = clean_text(
        _first(values, "og:title", "twitter:title") or _document_title(doc), MAX_TITLE
    )
    meta.description = clean_text(
        _first(values, "og:description", "twitter:description", "description"), MAX_DESCRIPTION
    )
    for key in (
        "og:image:secure_url",
        "og:image",
        "og:image:url",
        "twitter:image",
        "twitter:image:src",
    ):
        if image := _clean_url(values.get(key), base):
            meta.image = image
            break
    meta.site_name = clean_text(_first(values, "og:site_name", "application-name"), MAX_NAME)

    for key in ("article:author", "author", "dc.creator", "parsely-author", "sailthru.author"):
        candidate = values.get(key, "")
        # article:author is often a profile URL, which is no name to display.
        if candidate and not is_http_url(candidate.strip()):
            meta.author = clean_text(candidate, MAX_NAME)
            if meta.author:
                break

    for key in (
        "article:published_time",
        "og:article:published_time",
        "datepublished",
        "dc.date",
        "dcterms.created",
        "parsely-pub-date",
        "sailthru.date",
        "date",
    ):
        if published := parse_datetime(values.get(key)):
            meta.published = published
            break

    canonical = _choose_canonical(
        [_clean_url(values.get("og:url"), base), _clean_url(_link_href(doc, "canonical"), base)],
        page_url,
    )
    meta.canonical_url = canonical_url(canonical)

    root_lang = doc.get("lang") or doc.get("{http://www.w3.org/XML/1998/namespace}lang")
    for tag in (root_lang, values.get("og:locale"), values.get("content-language")):
        if language := _clean_language(tag):
            meta.language = language
            break


def _cut_tree(doc: HtmlElement, limit: int) -> None:
    """Drop every element after the first ``limit`` ones (document order), in place."""
    last = None
    for index, element in enumerate(doc.iter()):
        if index >= limit:
            last = element
            break
    if last is None:
        return
    # Remove what follows `last` at every level up to the root, then `last` itself:
    # what remains is a well-formed prefix of the document.
    node = last
    while (parent := node.getparent()) is not None:
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
    parent = last.getparent()
    if parent is not None:
        parent.remove(last)


def _fill_from_trafilatura(
    meta: PageMeta, doc: HtmlElement, page_url: str, size: int, with_text: bool
) -> None:
    # Imported lazily: trafilatura is heavy and only needed on this path. It does no
    # network I/O when handed a tree (only its fetch_url helpers do).
    from trafilatura import bare_extraction

    _cut_tree(doc, MAX_EXTRACTION_ELEMENTS)
    result = bare_extraction(
        doc,
        url=page_url or None,
        fast=size > _FAST_EXTRACTION_CHARS,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
    )
    if result is None:
        return

    def get(key: str) -> object:
        # bare_extraction returns a Document, or a dict with as_dict=True / older versions.
        return result.get(key) if isinstance(result, dict) else getattr(result, key, None)

    meta.title = meta.title or clean_text(get("title"), MAX_TITLE)
    meta.author = meta.author or clean_text(get("author"), MAX_NAME)
    sitename = clean_text(get("sitename"), MAX_NAME)
    # trafilatura falls back to the bare host name, which the caller can derive itself.
    if sitename and sitename.lower() != domain_of(page_url):
        meta.site_name = meta.site_name or sitename
    meta.image = meta.image or _clean_url(get("image"), page_url)
    meta.published = meta.published or parse_datetime(get("date"))
    meta.language = meta.language or _clean_language(get("language"))

    text = _clean_body(get("text"), MAX_TEXT)
    meta.description = (
        meta.description
        or clean_text(get("description"), MAX_DESCRIPTION)
        or clean_text(text, MAX_EXCERPT, unescape=False)
    )
    if with_text:
        meta.text = text


def extract_page(
    data: bytes, url: str, content_type: str = "", *, with_text: bool = True
) -> PageMeta:
    """Read metadata (and, if ``with_text``, the main text) of an HTML page.

    ``url`` is the final URL after redirects; relative URLs in the page are resolved
    against it (or the page's <base href>). Preference order: OpenGraph, Twitter card,
    plain HTML (<meta name=description>, <title>, <link rel=canonical>, <html lang>),
    then trafilatura for whatever is still missing. trafilatura only runs when the
    description is missing or the text is wanted, because it is the slow part.
    Never raises: unusable input gives a PageMeta with empty fields.
    """
    page_url = url.strip() if isinstance(url, str) else ""
    meta = PageMeta(url=page_url, canonical_url=canonical_url(page_url))
    try:
        if _mime(content_type) not in _PARSEABLE_TYPES or not data:
            return meta
        text = decode_html(data, content_type)
        if _looks_binary(text):
            return meta
        doc = parse_html(text)
        if doc is None:
            return meta
        _fill_from_markup(meta, doc, page_url)
        if with_text or not meta.description:
            # Last use of `doc`: trafilatura prunes the tree it is given.
            _fill_from_trafilatura(meta, doc, page_url, len(text), with_text)
    except Exception:  # hostile pages must never break a scoop
        logger.warning("metadata extraction failed for %s", page_url, exc_info=True)
    return meta
