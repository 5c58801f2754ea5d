"""``{% topic_nav topic %}``: the curator's navigation of a topic, the current group and page
marked from the resolver's URL name (see ``curation/navigation.py``)."""

from __future__ import annotations

from typing import Any

from django import template

from florilege.curation.navigation import build_nav

register = template.Library()


@register.inclusion_tag("curation/_nav.html", takes_context=True)
def topic_nav(context, topic) -> dict[str, Any]:
    from florilege.topics.permissions import actions_for

    request = context.get("request")
    allowed = actions_for(request.user, topic) if request is not None else frozenset()
    match = getattr(request, "resolver_match", None)
    groups = build_nav(allowed, match.view_name if match is not None else "")
    current = next((g for g in groups if g.current), None)
    return {"topic": topic, "groups": groups, "current": current}
