"""HTML sanitising for everything that comes from outside (feeds, pages) or from users.

A leaf module: no Django, no models. nh3 (Rust's ammonia) is an allow-list sanitiser, so
anything not listed here is dropped, including scripts, styles, event handlers and
``javascript:`` URLs.
"""

from __future__ import annotations

import html
import re

import lxml.html
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "figcaption",
    "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "mark", "ol", "p",
    "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "blockquote": {"cite"},
    "q": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto"}


# What no stored text may hold: NUL (PostgreSQL refuses it in text) and UTF-16 surrogates,
# which no UTF-8 encoder accepts (a JSON "\\ud800" escape or a recovered XML "&#xD800;").
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without NUL characters and lone surrogates; a surrogate pair left split in
    two code points is joined into the character it stands for. The one cleaning applied to
    every text field stored from outside, so that one odd character never fails a write."""
    if _UNSTORABLE.search(text) is None:
        return text
    text = text.replace("\x00", "")
    # Round trip through UTF-16: pairs become their character, lone halves are dropped.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")


def sanitize_html(fragment: str, *, max_length: int = 200_000) -> str:
    """Return ``fragment`` reduced to safe markup; links open without leaking the opener."""
    if not fragment:
        return ""
    return nh3.clean(
        clean_text(fragment[:max_length]),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
        strip_comments=True,
    )


def images_to_links(markup: str) -> str:
    """Sanitised ``markup`` with every ``<img>`` made a link to the picture (its text the
    picture's alt text, else its address; plain text inside a link already): shown on a
    public page, a picture from another site would report each reader's visit to it.
    Markup without a picture is returned as it is."""
    if "<img" not in markup.lower():
        return markup
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    for img in list(root.iter("img")):
        src = img.get("src") or ""
        label = img.get("alt") or img.get("title") or src
        linked = any(a.tag == "a" for a in img.iterancestors())
        if src and not linked:
            new = lxml.html.Element("a", href=src)
            new.text = label
        else:
            new = lxml.html.Element("span")
            new.text = label
        new.tail = img.tail
        img.getparent().replace(img, new)
    inner = html.escape(root.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    # Once more through the sanitiser: the new links get its rel, and nothing else slips in.
    return sanitize_html(inner)


def html_to_text(fragment: str, *, max_length: int | None = None) -> str:
    """Plain text of an HTML fragment, whitespace collapsed (for excerpts and scoring)."""
    if not fragment:
        return ""
    if max_length is not None:
        fragment = fragment[: _source_chars(max_length)]
    fragment = clean_text(fragment)
    if "<" in fragment:
        # Dropping every tag through nh3 is safer than a regex: it knows where tags end.
        fragment = nh3.clean(fragment, tags=set(), attributes={}, strip_comments=True)
    return _plain(fragment, max_length)


def sanitized_to_text(markup: str, *, max_length: int | None = None) -> str:
    """``html_to_text`` for markup that ``sanitize_html`` returned (stored entries).

    There ``<`` and ``>`` only delimit tags (the sanitiser escapes them in text and in
    attribute values, and drops comments), so a regex removes the tags exactly, at a
    fraction of the cost of parsing the markup a second time.
    """
    if not markup:
        return ""
    if max_length is not None:
        markup = markup[: _source_chars(max_length)]
    return _plain(_SANITIZED_TAG.sub("", markup), max_length)


# A whole tag, or one cut short at the end of a truncated fragment.
_SANITIZED_TAG = re.compile(r"<[^>]*(?:>|$)")


def _source_chars(max_length: int) -> int:
    # Markup and runs of spaces make the source longer than its text, but rarely four
    # times so: reading further would only be cut away.
    return max_length * 4 + 64


def _plain(fragment: str, max_length: int | None) -> str:
    text = html.unescape(fragment) if "&" in fragment else fragment
    # str.split() splits on exactly what the regex \s matches, several times faster.
    text = " ".join(text.split())
    if max_length is not None and len(text) > max_length:
        cut = text[:max_length].rsplit(" ", 1)[0]
        text = cut + "…"
    return text


# Where a post's first sentence ends: a full stop, question or exclamation mark, or an
# ellipsis followed by a space, or the end of a paragraph or line.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s|\n")
_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(?:p|li|h[1-6]|blockquote|div)>")
POST_TITLE_LENGTH = 90


def title_for_post(warning: str, content: str, *, limit: int = POST_TITLE_LENGTH) -> str:
    """A title for a post that has none (a fediverse post, a titleless feed item): its
    content warning when it has one (the author's own label; the content may be what it
    warns about), else the first sentence of its content, at most ``limit`` characters,
    cut at a word. "" when both are empty: the caller decides, never a URL from here."""
    label = html_to_text(warning)
    if not label:
        text = html.unescape(nh3.clean(_BLOCK_END.sub("\n", content[:20_000]), tags=set()))
        for line in _SENTENCE_END.split(text.strip()):
            label = " ".join(line.split())
            if label:
                break
    if len(label) > limit:
        label = label[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return label
