"""Readers' engagement on public pages, each included with one line in the page templates."""

from __future__ import annotations

from django import template

from florilege.curation.models import Scoop, Topic
from florilege.publishing.forms_engage import CommentForm, FollowForm
from florilege.publishing.models import Reaction
from florilege.publishing.services import comments

register = template.Library()


@register.inclusion_tag("publishing/engage/_bar.html", takes_context=True)
def engage_bar(context: template.Context, scoop: Scoop) -> dict:
    """The "useful" button and the counts. List pages annotate the counts in their query
    (``services.reactions.with_engagement``); a single scoop counts them here."""
    useful = getattr(scoop, "useful_count", None)
    if useful is None:
        useful = Reaction.objects.filter(scoop=scoop).count()
    count = getattr(scoop, "comment_count", None)
    if count is None:
        count = comments.shown(scoop).count()
    request = context.get("request")
    here = request.get_full_path() if request is not None else scoop.get_absolute_url()
    return {"scoop": scoop, "useful": useful, "comment_count": count,
            "next": f"{here.split('#')[0]}#scoop-{scoop.pk}"}  # fmt: skip


@register.inclusion_tag("publishing/engage/_comments.html", takes_context=True)
def scoop_comments(context: template.Context, scoop: Scoop) -> dict:
    return {
        "scoop": scoop,
        "comments": list(comments.shown(scoop)),
        "form": context.get("comment_form") or CommentForm(),
    }


@register.inclusion_tag("publishing/engage/_follow.html")
def follow_form(topic: Topic) -> dict:
    return {"topic": topic, "form": FollowForm()}
