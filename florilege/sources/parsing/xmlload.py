"""Turn feed bytes into an lxml tree, safely, and as leniently as the input requires.

Order of attempts: strict parse of the bytes as given; strict parse after cheap repairs
(HTML entities, bare ampersands, control characters, a mis-declared encoding); finally
libxml2's recover mode. Anything after the first attempt records the strict error as
``bozo``, so callers know the feed was flawed even though we read it.
"""

from __future__ import annotations

import html.entities
import re

from lxml import etree

from florilege.lib.xml import safe_parser
from florilege.sources.parsing.model import FeedParseError

# Named entities that XML itself knows; everything else from HTML must become a char ref.
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_ENTITY_REF = re.compile(rb"&(#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;?)")
_BARE_AMP = re.compile(rb"&(?![#A-Za-z0-9])")
_CDATA = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:\-]+)", re.IGNORECASE)
_DECLARED = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:\-]+)[\"']")
# Declarations that are often wrong: text saved as UTF-8 under a Latin-1 label.
_LATIN = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "windows-1252", "cp1252"})
_ENCODING_WORDS = ("encoding", "utf-8", "bytes:", "char 0x", "invalid char")


def _try(data: bytes | str, recover: bool) -> etree._Element | None:
    try:
        return etree.fromstring(data, parser=safe_parser(recover))
    except (etree.XMLSyntaxError, ValueError, LookupError):
        return None


def _is_wide(data: bytes) -> bool:
    """UTF-16/32 input, where byte-level regex repairs would corrupt the text."""
    head = data[:4]
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head


def _xml_char(code: int) -> bool:
    """Whether XML 1.0 allows the character (its ``Char`` production)."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _fix_entity(m: re.Match[bytes]) -> bytes:
    ref = m.group(1)
    if ref.startswith(b"#"):
        digits = ref[1:-1].lstrip(b"xX").lstrip(b"0") or b"0"
        hexadecimal = ref[1:2] in b"xX"
        # Longer than any character (and int() refuses thousands of digits): forbidden.
        number = -1 if len(digits) > 8 else int(digits, 16 if hexadecimal else 10)
        # A reference to a character XML forbids (NUL, a lone UTF-16 surrogate) fails the
        # strict parse, and recover mode would keep it as bytes that are not UTF-8, which
        # lxml then cannot give back as text: drop it, keep the rest of the text.
        # Written back in the form XML knows ("&#X42;", HTML's spelling, is not).
        return b"&#x%X;" % number if _xml_char(number) else b""
    name = ref.rstrip(b";").decode("ascii")
    if ref.endswith(b";"):
        if name in _XML_ENTITIES:
            return m.group(0)
        code = html.entities.name2codepoint.get(name)
        if code is not None:
            return b"&#%d;" % code
    # A bare "&" (e.g. in a URL query string) or an unknown entity: escape the ampersand.
    return b"&amp;" + ref


def _wide_to_utf8(data: bytes) -> bytes | None:
    """UTF-16/32 input as UTF-8 without its declaration, so byte repairs can apply; None
    when the bytes do not decode."""
    head = data[:4]
    if head in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        encoding = "utf-32"
    elif head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    else:
        # No BOM: the zero byte's side tells the byte order ("<" is 3C 00 or 00 3C).
        encoding = "utf-16-be" if head[:1] == b"\x00" else "utf-16-le"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return _XML_DECL.sub("", text, count=1).encode("utf-8", "surrogatepass")


def repair_bytes(data: bytes) -> bytes:
    """Fix the ill-formedness most common in real feeds, without touching well-formed parts."""
    if _is_wide(data):
        narrow = _wide_to_utf8(data)
        if narrow is None:
            return data
        data = narrow
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    data = data.lstrip()
    data = _CONTROL.sub(b"", data)
    # CDATA sections are literal text: ampersands in them are fine and must stay as they are.
    parts = _CDATA.split(data)
    for i in range(0, len(parts), 2):
        # Bare "&" not starting a reference, and HTML-only named entities such as &nbsp;.
        part = _BARE_AMP.sub(b"&amp;", parts[i])
        parts[i] = _ENTITY_REF.sub(_fix_entity, part)
    return b"".join(parts)


def _fallback_text(data: bytes, content_type: str) -> str:
    """The bytes decoded with a sensible guess, XML declaration removed (lxml rejects it)."""
    encodings = []
    m = _CHARSET.search(content_type or "")
    if m:
        encodings.append(m.group(1))
    encodings += ["utf-8", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        text = data.decode("latin-1")
    return _XML_DECL.sub("", text, count=1)


def _error(exc: Exception) -> str:
    return str(exc).strip() or exc.__class__.__name__


def _has_bom(data: bytes) -> bool:
    return data[:3] == b"\xef\xbb\xbf" or data[:2] in (b"\xff\xfe", b"\xfe\xff")


def _presorted(data: bytes, content_type: str) -> tuple[str, str] | None:
    """Text to parse instead of the bytes when the encoding is known better than libxml2 would.

    Precedence (RFC 7303): a BOM, then the HTTP charset, then the XML declaration. libxml2
    already honours BOMs and declarations, so this only steps in for an HTTP charset on an
    undeclared document, and for UTF-8 text declared as Latin-1. Returns (text, bozo).
    """
    if _has_bom(data) or _is_wide(data) or data.isascii():
        return None
    declared = _DECLARED.match(data[:256])
    if declared is None:
        m = _CHARSET.search(content_type or "")
        charset = m.group(1).lower() if m else ""
        if charset and charset not in ("utf-8", "utf8"):
            try:
                return data.decode(charset), ""
            except (UnicodeDecodeError, LookupError):
                return None
        return None
    if declared.group(1).decode("ascii").lower() in _LATIN:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        # Valid non-ASCII UTF-8 is all but impossible by chance in Latin-1 text.
        return _XML_DECL.sub("", text, count=1), "declared Latin-1 but the bytes are UTF-8"
    return None


def load_xml(data: bytes, content_type: str = "") -> tuple[etree._Element, str]:
    """Parse ``data``; returns (root element, bozo message or "")."""
    presorted = _presorted(data, content_type)
    if presorted is not None:
        text, bozo = presorted
        root = _try(_XML_DECL.sub("", text, count=1), recover=False)
        if root is not None:
            return root, bozo
    try:
        return etree.fromstring(data, parser=safe_parser(False)), ""
    except (etree.XMLSyntaxError, ValueError, LookupError) as exc:
        bozo = _error(exc)

    repaired = repair_bytes(data)
    encoding_trouble = any(word in bozo.lower() for word in _ENCODING_WORDS)
    candidates: list[bytes | str] = []
    if repaired != data:
        candidates.append(repaired)
    if encoding_trouble and not _is_wide(data):
        candidates.append(_fallback_text(repaired, content_type))
    for candidate in candidates:
        root = _try(candidate, recover=False)
        if root is not None:
            return root, bozo

    # Last resort: libxml2 recover mode keeps whatever it could make sense of.
    for candidate in [*reversed(candidates), data]:
        root = _try(candidate, recover=True)
        if root is not None:
            return root, bozo
    raise FeedParseError(f"not well-formed XML and nothing could be recovered: {bozo}")
