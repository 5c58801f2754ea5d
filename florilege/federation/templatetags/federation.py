"""Template tags for the public pages: the actor link, the follow box, reaction counts."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count

from florilege.federation import ids
from florilege.federation.models import Reaction

register = template.Library()


@register.simple_tag
def topic_actor_url(topic: Any) -> str:
    return ids.topic_actor(topic.slug)


@register.simple_tag
def fediverse_account(topic: Any) -> str:
    return f"@{topic.slug}@{ids.domain()}"


@register.inclusion_tag("federation/_reactions.html")
def fediverse_reactions(scoop: Any) -> dict[str, Any]:
    counts = dict(
        Reaction.objects.filter(scoop_id=scoop.pk)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return {
        "likes": counts.get(Reaction.Kind.LIKE, 0),
        "boosts": counts.get(Reaction.Kind.ANNOUNCE, 0),
    }


@register.filter
def fediverse_account_filter(topic: Any) -> str:
    return fediverse_account(topic)
