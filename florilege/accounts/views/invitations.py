"""The page an invitation link opens: accept with the account you are logged in with, or
create one and join."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from florilege.accounts.forms import SignUpForm
from florilege.accounts.services import team


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    try:
        invited = team.find_invitation(token, now)
    except ValidationError as exc:
        return render(request, "accounts/invitation.html", {"error": exc.messages[0]}, status=410)
    form = SignUpForm(request.POST or None, initial={"email": invited.email})
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                team.accept(token, request.user, now)
            elif form.is_valid():
                data = form.cleaned_data
                user, _membership = team.accept_with_new_account(
                    token, data["username"], data["email"], data["password"], now
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                raise ValidationError("")
        except ValidationError as exc:
            for message in exc.messages:
                if message:
                    form.add_error(None, message)
        else:
            messages.success(request, _("Welcome to %(topic)s.") % {"topic": invited.topic.title})
            return redirect("curation:queue", slug=invited.topic.slug)
    context = {"invitation": invited, "form": form}
    return render(request, "accounts/invitation.html", context)
