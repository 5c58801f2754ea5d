"""``{% topic_nav topic %}``: the curator's navigation of a topic, the current group and page
marked from the resolver's URL name (see ``curation/navigation.py``).

The menu is the same for every visit with the same language, topic address, permissions and
current page, and building it (thirty links reversed, the template around them) was a
tenth of a curator's page: each process keeps the menus it rendered (a few hundred bytes
each, bounded), keyed by exactly those.
"""

from __future__ import annotations

import threading

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from florilege.curation.navigation import build_nav

register = template.Library()

KEPT_MENUS = 1024
_menus: dict[tuple, str] = {}
_lock = threading.Lock()


def forget_menus() -> None:
    with _lock:
        _menus.clear()


@register.simple_tag(takes_context=True)
def topic_nav(context, topic) -> SafeString:
    from florilege.topics.permissions import actions_for

    request = context.get("request")
    allowed = actions_for(request.user, topic) if request is not None else frozenset()
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    key = (get_language(), topic.slug, topic.get_absolute_url(), allowed, view_name)
    html = _menus.get(key)
    if html is None:
        groups = build_nav(allowed, view_name)
        current = next((g for g in groups if g.current), None)
        html = render_to_string(
            "curation/_nav.html", {"topic": topic, "groups": groups, "current": current}
        )
        with _lock:
            if len(_menus) >= KEPT_MENUS:
                _menus.clear()  # many topics or languages at once: start again
            _menus[key] = html
    return mark_safe(html)  # the template's own output
