"""``{% load csp %}``: ``{% inline_style %}…{% endinline_style %}`` writes a ``<style>`` block
and allows exactly its content in the page's Content-Security-Policy (see lib/csp.py)."""

from __future__ import annotations

from django import template
from django.template.base import NodeList, Parser, Token
from django.template.context import Context
from django.utils.html import format_html

from florilege.lib.csp import note_inline_style

register = template.Library()


class InlineStyleNode(template.Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        css = self.nodelist.render(context)
        request = context.get("request")
        if request is not None:
            note_inline_style(request, css)
        return format_html("<style>{}</style>", css)


@register.tag
def inline_style(parser: Parser, token: Token) -> InlineStyleNode:
    nodelist = parser.parse(("endinline_style",))
    parser.delete_first_token()
    return InlineStyleNode(nodelist)
