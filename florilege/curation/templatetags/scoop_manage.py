"""The editor's buttons on a scoop (edit, pin, unpublish, delete), wherever it is shown.

On public pages they render only for a signed-in visitor whose role allows them: such a
visitor has a session cookie, and the page cache neither serves nor stores pages for a
request that carries one, so the buttons never reach the shared copy anonymous readers get.
"""

from __future__ import annotations

from django import template

from florilege.curation.models import Scoop
from florilege.curation.services.publication import may_edit
from florilege.topics.permissions import Action, actions_for

register = template.Library()

MANAGING = frozenset({Action.EDIT_SCOOP, Action.PUBLISH, Action.UNPUBLISH, Action.DELETE_SCOOP})


@register.inclusion_tag("curation/_scoop_actions.html", takes_context=True)
def scoop_actions(context, scoop: Scoop, back: str = "", editing: bool = False) -> dict:
    """The buttons the visitor may use on ``scoop``; none for anyone else. ``back``: the
    page to come back to (default: the page shown); ``editing``: on the edit page itself
    (no link to it)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"show": False}
    allowed = actions_for(user, scoop.topic)
    if not allowed & MANAGING and not may_edit(scoop, user):
        return {"show": False}
    return {
        "show": True,
        "s": scoop,
        "allowed": allowed,
        "may_edit": may_edit(scoop, user),
        "editing": editing,
        "back": back or request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
