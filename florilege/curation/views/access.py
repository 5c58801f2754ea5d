"""The topic a request names, and what the visitor may do on it."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from florilege.topics.models import Topic
from florilege.topics.permissions import Action, actions_for, require


def topic_for(request: HttpRequest, slug: str, action: str = Action.CURATE) -> Topic:
    """The topic, once the visitor is allowed ``action`` on it (else PermissionDenied, shown
    as a 403 with the reason)."""
    topic = get_object_or_404(Topic, slug=slug)
    require(request.user, topic, action)
    return topic


def page_context(request: HttpRequest, topic: Topic, **extra) -> dict:
    """A topic page's context, with the visitor's allowed actions (to show only the links
    that work)."""
    return {"topic": topic, "allowed": actions_for(request.user, topic), **extra}
