"""Readers' engagement on public pages, each included with one line in the page templates."""

from __future__ import annotations

from django import template

from florilege.curation.models import Scoop
from florilege.publishing.forms_engage import CommentForm
from florilege.publishing.services import comments
from florilege.publishing.templatetags.paths import return_path

register = template.Library()


@register.inclusion_tag("publishing/engage/_bar.html", takes_context=True)
def engage_bar(context: template.Context, scoop: Scoop) -> dict:
    """The "useful" button and the counts. The counts come from the page's own query
    (``services.reactions.with_engagement``); a list that did not ask for them shows the
    button alone rather than spending two queries per card."""
    request = context.get("request")
    here = return_path(request, scoop.get_absolute_url())
    return {
        "scoop": scoop,
        "useful": getattr(scoop, "useful_count", None),
        "comment_count": getattr(scoop, "comment_count", None),
        "next": f"{here.split('#')[0]}#scoop-{scoop.pk}",
    }


@register.inclusion_tag("publishing/engage/_comments.html", takes_context=True)
def scoop_comments(context: template.Context, scoop: Scoop) -> dict:
    return {
        "scoop": scoop,
        "comments": list(comments.shown(scoop)),
        "form": context.get("comment_form") or CommentForm(),
    }
