"""A topic's team: who is on it and in which role, and the invitations to join it. Thin:
the services check that the visitor may manage the team."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from florilege.accounts.forms import InviteForm, RoleForm
from florilege.accounts.services import team
from florilege.topics.models import Topic
from florilege.topics.permissions import Action, actions_for, require


def _topic(request: HttpRequest, slug: str, action: str) -> Topic:
    topic = get_object_or_404(Topic, slug=slug)
    require(request.user, topic, action)
    return topic


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _context(request: HttpRequest, topic: Topic, **extra) -> dict:
    return {"topic": topic, "allowed": actions_for(request.user, topic), **extra}


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic(request, slug, Action.VIEW_QUEUE)
    now = timezone.now()
    form = InviteForm(request.POST or None)
    invited = None
    if request.method == "POST" and form.is_valid():
        try:
            invited = team.invite(
                topic, request.user, form.cleaned_data["role"], form.cleaned_data["email"], now
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            form = InviteForm()
    allowed = actions_for(request.user, topic)
    context = _context(
        request,
        topic,
        form=form,
        invited=invited,
        members=team.members(topic, request.user),
        invitations=team.open_invitations(topic, request.user, now)
        if Action.MANAGE_MEMBERS in allowed
        else [],
        role_form=RoleForm(),
    )
    return render(request, "accounts/members.html", context)


@login_required
@require_POST
def member_action(request: HttpRequest, slug: str, user_id: int, action: str) -> HttpResponse:
    """role and remove act on a member (``user_id``); revoke on an open invitation, whose
    id the same path segment carries."""
    topic = get_object_or_404(Topic, slug=slug)
    now = timezone.now()
    try:
        if action == "role":
            team.set_role(topic, request.user, user_id, request.POST.get("role", ""), now)
            messages.success(request, _("Role changed."))
        elif action == "remove":
            team.remove(topic, request.user, user_id, now)
            messages.success(request, _("Removed from the team."))
        elif action == "revoke":
            team.revoke(topic, request.user, user_id, now)
            messages.success(request, _("Invitation withdrawn."))
        else:
            return HttpResponse(status=404)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("accounts:members", slug=topic.slug)
