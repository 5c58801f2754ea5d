"""Insights are written in Markdown (CommonMark) and rendered to sanitised HTML."""

from __future__ import annotations

from markdown_it import MarkdownIt

from florilege.lib.html import sanitize_html

# Raw HTML in Markdown is disabled at the parser, and the output still goes through the
# sanitiser: two independent locks on the same door.
# Images too: an insight's ``![alt](address)`` would make every reader's browser load a
# picture from another site; it stays a link (``!`` and the link to the address).
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable("image")


def render_markdown(source: str) -> str:
    return sanitize_html(_md.render(source or ""))
