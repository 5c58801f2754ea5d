"""A reader's plain-text comment to safe HTML: escaped, links made clickable, paragraphs.

A leaf module: no models. The result also goes through the sanitiser, so even a bug here
cannot let markup through.
"""

from __future__ import annotations

import html
import re

from florilege.lib.html import sanitize_html

_URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
# Punctuation that usually ends a sentence rather than a URL.
_TRAILING = ".,;:!?)]}'\""
MAX_LENGTH = 5000


def _link(match: re.Match[str]) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _TRAILING:
        tail = url[-1] + tail
        url = url[:-1]
    # The match ran over already-escaped text: "&amp;" in the href is what HTML expects.
    return f'<a href="{url}">{url}</a>{tail}'


def plain_to_html(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()[:MAX_LENGTH]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    parts = []
    for para in paragraphs:
        escaped = _URL.sub(_link, html.escape(para, quote=True))
        parts.append("<p>" + escaped.replace("\n", "<br>") + "</p>")
    return sanitize_html("".join(parts))
