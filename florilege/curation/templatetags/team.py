from django import template

from florilege.curation.services.notify import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """Unread notifications of the visitor (0 when logged out): one count query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return unread_count(user) if user is not None else 0


@register.simple_tag(takes_context=True)
def topic_actions(context, topic) -> frozenset[str]:
    """What the visitor may do on ``topic`` (to show only the links that work)."""
    from florilege.topics.permissions import actions_for

    request = context.get("request")
    return actions_for(request.user, topic) if request is not None else frozenset()

