"""URL helpers shared by feed discovery, extraction and deduplication.

Pure functions, no I/O. None of them raises on bad input: URLs come from
untrusted pages and feeds, and a malformed one must never abort an import.
"""

from __future__ import annotations

import ipaddress
import re
import string
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

__all__ = ["absolutize", "canonical_url", "domain_of", "is_http_url"]

# Longer than any sane URL; refusing monsters keeps them out of DB columns and logs.
MAX_URL_LENGTH = 8192
# Whitespace, control characters and backslashes (see is_http_url).
_FORBIDDEN_URL_CHARS = re.compile(r"[\s\x00-\x1f\x7f\\]")

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that identify a campaign or a click, never the content.
# `ref` is deliberately NOT listed: GitHub, GitLab and Gitea use `?ref=<branch>` to
# select what is shown, and many CMSs use it for real content; dropping it could merge
# two different items. Only the Twitter-specific `ref_src`/`ref_url` are removed.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "ref_src",
        "ref_url",
        "spm",
        "_ga",
        "_gl",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "wickedid",
        "_openstat",
        "rb_clickid",
    }
)
_TRACKING_PREFIXES = ("utm_",)

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")

# Characters that may stay literal in each component (RFC 3986 pchar / query);
# anything else, including a stray "%", gets percent-encoded.
_PATH_LITERAL = r"A-Za-z0-9\-._~!$&'()*+,;=:@/"
_QUERY_PART_LITERAL = r"A-Za-z0-9\-._~!$'()*+,;:@/?="
_PATH_RE = re.compile(r"%[0-9A-Fa-f]{2}|[^" + _PATH_LITERAL + "]")
_QUERY_PART_RE = re.compile(r"%[0-9A-Fa-f]{2}|[^" + _QUERY_PART_LITERAL + "]")
# For absolutize(): only escape what can never appear literally in a URL, keep "%XX".
_UNSAFE_RE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?#%\[\]]")

_HOST_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
# Tab and newlines are silently dropped by browsers inside URLs (WHATWG URL spec).
_TAB_NEWLINE_RE = re.compile(r"[\t\n\r]")
# An absolute http(s) URL with a host, which ``urljoin`` returns as it is, whatever the base.
_ABSOLUTE_HTTP_RE = re.compile(r"https?://[^/?#]", re.IGNORECASE)
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def _pct(ch: str) -> str:
    # surrogatepass: a lone surrogate must not make us raise.
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))


def _normalize_escape(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.startswith("%") and len(token) == 3:
        char = chr(int(token[1:], 16))
        # Decoding only unreserved characters is meaning-preserving (RFC 3986 §6.2.2.2);
        # decoding "%2F" or "%26" would change the URL.
        return char if char in _UNRESERVED else token.upper()
    return _pct(token)


def _normalize_path(path: str) -> str:
    path = _PATH_RE.sub(_normalize_escape, path)
    return _remove_dot_segments(path) or "/"


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 §5.2.4, done on segments: "/a/./b/../c" -> "/a/c".
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def _normalize_query(query: str) -> str:
    pairs: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        key, sep, value = piece.partition("=")
        key = _QUERY_PART_RE.sub(_normalize_escape, key)
        if _is_tracking(key):
            continue
        value = _QUERY_PART_RE.sub(_normalize_escape, value)
        pairs.append((key, f"{key}{sep}{value}"))
    # Sort on the key only: sorted() is stable, so repeated keys (a=1&a=2) keep their
    # relative order, which some servers give meaning to.
    pairs.sort(key=lambda pair: pair[0])
    return "&".join(text for _, text in pairs)


def _canonical_host(parts: SplitResult) -> str | None:
    host = parts.hostname  # already lowercased by urlsplit
    if not host:
        return None
    if ":" in host:  # IPv6 literal: urlsplit removed the brackets
        return f"[{host}]"
    host = host.rstrip(".")  # "example.com." is the same site as "example.com"
    if not host:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host


def canonical_url(url: object) -> str:
    """Return a normalised form of ``url`` so that equal items compare equal.

    Lowercases scheme and host, IDNA-encodes the host, drops default ports, the
    fragment and tracking parameters, sorts the query, normalises percent-encoding
    and dot segments. Path case is kept (paths are case-sensitive on most servers).
    Anything that cannot be parsed as a URL with a host is returned stripped.
    """
    if not isinstance(url, str):
        return ""
    stripped = url.strip()
    if not stripped or len(stripped) > MAX_URL_LENGTH:
        return stripped
    try:
        parts = urlsplit(stripped)
        port = parts.port
    except ValueError:
        return stripped
    scheme = parts.scheme.lower()
    if not scheme or not parts.netloc:
        return stripped
    host = _canonical_host(parts)
    if host is None:
        return stripped
    userinfo, at, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}{at}{host}"
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{netloc}:{port}"
    path = _normalize_path(parts.path)
    query = _normalize_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def _valid_host(host: str) -> bool:
    if ":" in host:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return False
        return True
    host = host.rstrip(".")
    if not host:
        return False
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    return len(host) <= 253 and all(_HOST_LABEL_RE.match(label) for label in host.split("."))


def is_http_url(text: str) -> bool:
    """True if ``text`` is exactly an absolute http(s) URL with a valid host.

    Refused: other schemes (javascript:, data:, ftp:), relative URLs, any whitespace
    (even surrounding: the caller should strip user input itself), control characters,
    backslashes (browsers read them as "/", which enables host-confusion tricks) and
    userinfo (``http://good.example@evil.example/`` is a classic phishing disguise and
    credentials have no place in a followed URL).
    """
    if not isinstance(text, str) or not text or len(text) > MAX_URL_LENGTH:
        return False
    if _FORBIDDEN_URL_CHARS.search(text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    if "@" in parts.netloc:
        return False
    host = parts.hostname
    return bool(host and _valid_host(host))


def http_href(value: object) -> str:
    """``value`` when it is an absolute http(s) URL, else "": what a template may put in an
    ``href`` that came from elsewhere (a ``javascript:`` URL is inert text once escaped, but
    not once clicked)."""
    return value if isinstance(value, str) and is_http_url(value) else ""


def domain_of(url: str) -> str:
    """Host of ``url`` without a leading ``www.``, for display ("" if none).

    The host is shown as written (punycode stays punycode): decoding it to Unicode
    would let look-alike domains pass for the real thing.
    """
    if not isinstance(url, str):
        return ""
    text = url.strip()
    if "//" not in text:
        # Tolerate a bare "example.com/path" so display code does not need to care.
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    return host.removeprefix("www.")


def absolutize(base: str, href: str) -> str:
    """Resolve ``href`` against ``base`` as a browser would; never raises.

    Leading/trailing whitespace and inner tabs/newlines are dropped (as browsers do),
    and characters that cannot appear literally in a URL (spaces, non-ASCII in the
    path/query) are percent-encoded, so the result can be fetched and compared.
    """
    if not isinstance(href, str):
        href = ""
    if not isinstance(base, str):
        base = ""
    href = _TAB_NEWLINE_RE.sub("", href.strip(_C0_AND_SPACE))
    try:
        if _ABSOLUTE_HTTP_RE.match(href):
            # Most feed links are already absolute: joining would return them unchanged.
            parts = urlsplit(href)
        else:
            base = _TAB_NEWLINE_RE.sub("", base.strip(_C0_AND_SPACE))
            parts = urlsplit(urljoin(base, href))
    except ValueError:
        return href
    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            _UNSAFE_RE.sub(lambda m: _pct(m.group(0)), parts.path),
            _UNSAFE_RE.sub(lambda m: _pct(m.group(0)), parts.query),
            _UNSAFE_RE.sub(lambda m: _pct(m.group(0)), parts.fragment),
        )
    )


# A run of characters that may be a URL inside prose: stops at whitespace and at the
# brackets and quotes that usually surround a link in a message.
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the address ("Read https://a.example/x.").
_TRAILING = ".,;:!?»…"


def first_http_url(*texts: str) -> str:
    """The first absolute http(s) URL found in ``texts``, in order, or "".

    A phone's share sheet does not always fill the ``url`` field: Android apps often put
    "Title https://…" in ``text``. Each text is taken whole when it is a URL, else the
    first URL-looking run inside it that passes :func:`is_http_url`."""
    for text in texts:
        if not isinstance(text, str):
            continue
        text = text.strip()[: MAX_URL_LENGTH * 2]
        if is_http_url(text):
            return text
        for match in _URL_IN_TEXT.finditer(text):
            candidate = match.group(0).rstrip(_TRAILING)
            if is_http_url(candidate):
                return candidate
    return ""
