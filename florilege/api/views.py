"""The account's API tokens page: make one (shown once), see them, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from florilege.api import tokens
from florilege.api.models import Scope
from florilege.lib.params import positive_id


@login_required
def token_settings(request: HttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    new, error = None, ""
    if request.method == "POST" and request.POST.get("step") == "revoke":
        token_id = positive_id(request.POST.get("token", ""))
        if token_id is not None and tokens.revoke(user, token_id, now):
            messages.success(request, _("The token is revoked: it no longer works."))
        return redirect("api_tokens")
    if request.method == "POST":
        days = positive_id(request.POST.get("days", "")) or 0
        try:
            new = tokens.create(user, request.POST.get("name", ""), request.POST.get("scope", ""),
                                days, now)  # fmt: skip
        except ValidationError as exc:
            error = " ".join(exc.messages)
    context = {
        "new": new,
        "error": error,
        "tokens": tokens.of_user(user),
        "scopes": Scope.choices,
        "expiry_days": [d for d in tokens.EXPIRY_DAYS if d],
        "now": now,
    }
    return render(request, "api/tokens.html", context, status=400 if error else 200)
