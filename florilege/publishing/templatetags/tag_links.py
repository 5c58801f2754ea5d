"""Tag links: one address per tag however it is accented or capitalised."""

from __future__ import annotations

from django import template

from florilege.lib.text.folding import fold

register = template.Library()


@register.filter
def tag_key(tag: str) -> str:
    """The tag as its page's address spells it: "#Modération" and "#moderation" both link
    to ``tag/moderation/`` (see publishing.queries.with_tag)."""
    return fold(str(tag))
