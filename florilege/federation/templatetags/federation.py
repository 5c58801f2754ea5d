"""Template tags for the public pages: the actor link, the follow box, reaction counts."""

from __future__ import annotations

from typing import Any

from django import template

from florilege.federation import ids
from florilege.lib.urls import http_href

register = template.Library()
# Remote actors' URLs reach an href only through this (stored ones are checked already).
register.filter("http_href", http_href)


@register.simple_tag
def topic_actor_url(topic: Any) -> str:
    return ids.topic_actor(topic.slug)


@register.simple_tag
def scoop_object_url(scoop: Any) -> str:
    return ids.scoop_object(scoop.pk)


@register.simple_tag
def fediverse_account(topic: Any) -> str:
    return f"@{topic.slug}@{ids.domain()}"


@register.inclusion_tag("federation/_reactions.html")
def fediverse_reactions(scoop: Any) -> dict[str, Any]:
    """Likes and boosts, read from the list's own query (``publishing.queries.cards``
    annotates them); a scoop loaded without them shows nothing rather than costing a query
    per card."""
    return {
        "likes": getattr(scoop, "like_count", 0),
        "boosts": getattr(scoop, "boost_count", 0),
    }


@register.filter
def fediverse_account_filter(topic: Any) -> str:
    return fediverse_account(topic)
