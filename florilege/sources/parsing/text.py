"""Small text and URL helpers shared by the format parsers."""

from __future__ import annotations

import base64
import binascii
import copy
import re
from urllib.parse import urljoin

from lxml import etree

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# href/src/poster attributes inside HTML, for rewriting relative URLs. A regex rather than an
# HTML parse: content is sanitised later anyway, and this runs on every entry.
_URL_ATTR = re.compile(
    r"""(<[^>]*?\s(?:href|src|poster|cite|background)\s*=\s*)(?:"([^"]*)"|'([^']*)')""",
    re.IGNORECASE,
)
_ABSOLUTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.\-]*:|//|#)")
_EMAIL_NAME = re.compile(r"^\s*(\S+@\S+?)\s*\((.+)\)\s*$")
_NAME_EMAIL = re.compile(r"^\s*(.+?)\s*<(\S+@\S+?)>\s*$")


def resolve_url(base: str, href: str | None) -> str:
    """Absolute form of ``href`` against ``base``; stripped, "" when empty."""
    if not href:
        return ""
    href = href.strip()
    if not href or not base or _ABSOLUTE.match(href):
        return href
    try:
        return urljoin(base, href)
    except ValueError:
        # Malformed base (e.g. bad IPv6 literal): keep the relative form rather than fail.
        return href


def child_base(base: str, el: etree._Element) -> str:
    """The xml:base in effect inside ``el``, given the one in effect around it."""
    own = el.get(XML_BASE)
    return resolve_url(base, own) if own else base


def resolve_html_urls(html: str, base: str) -> str:
    """Rewrite relative href/src attributes in an HTML fragment against ``base``."""
    if not base or ("href" not in html and "src" not in html and "HREF" not in html):
        return html

    def fix(m: re.Match[str]) -> str:
        quote = '"' if m.group(2) is not None else "'"
        value = m.group(2) if m.group(2) is not None else m.group(3)
        return f"{m.group(1)}{quote}{resolve_url(base, value)}{quote}"

    return _URL_ATTR.sub(fix, html)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _local_copy(el: etree._Element) -> etree._Element:
    """A copy of ``el`` with namespaces dropped from element names, for clean HTML output."""
    dup = copy.deepcopy(el)
    dup.tail = None
    for node in dup.iter():
        tag = node.tag
        if isinstance(tag, str) and tag[0] == "{":
            try:
                node.tag = tag.split("}", 1)[1]
            except ValueError:
                # A recovered, broken name (such as ":") is no name in plain HTML; keep the
                # content in a neutral element rather than fail the whole feed.
                node.tag = "span"
    etree.cleanup_namespaces(dup)
    return dup


def inner_markup(el: etree._Element) -> str:
    """The serialised content of ``el`` (text and child elements), without its own tags."""
    parts = [_escape(el.text)] if el.text else []
    for child in el:
        if isinstance(child.tag, str):
            parts.append(etree.tostring(_local_copy(child), encoding=str, with_tail=False))
        elif child.tag is etree.Entity:
            # Unexpanded entity reference (we never resolve entities): keep it literally.
            parts.append(child.text or "")
        if child.tail:
            parts.append(_escape(child.tail))
    return "".join(parts)


def text_of(el: etree._Element) -> str:
    """Text of a simple element; raw inner markup when it holds (naked) child elements."""
    if len(el):
        return inner_markup(el).strip()
    text = el.text
    return text.strip() if text else ""


def decode_base64(value: str) -> str:
    """Decoded base64 text, or ``value`` itself when it is not valid base64 UTF-8 text."""
    try:
        return base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return value


def person_name(value: str) -> str:
    """Display name from RSS-style "email (Name)" / "Name <email>", else the value itself."""
    if "@" not in value:
        return value
    m = _EMAIL_NAME.match(value)
    if m:
        return m.group(2).strip()
    m = _NAME_EMAIL.match(value)
    if m:
        return m.group(1).strip().strip('"')
    return value


def parse_length(value: str | None) -> int | None:
    """Enclosure length in bytes; None when missing or not a number."""
    if not value:
        return None
    value = value.strip()
    return int(value) if value.isdigit() else None
