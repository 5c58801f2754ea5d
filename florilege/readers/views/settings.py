"""The account page for reader apps: make and revoke app passwords, and choose what
marking an item read does."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from florilege.lib.params import positive_id
from florilege.readers import access, queue
from florilege.readers.models import AppPassword, ReadMeaning


@login_required
def app_passwords(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # by login_required; tells the type checker
    secret = ""
    error = ""
    if request.method == "POST":
        step = request.POST.get("step", "")
        if step == "create":
            try:
                _row, secret = access.create(user, request.POST.get("name", ""), timezone.now())
            except ValidationError as exc:
                error = exc.messages[0]
        elif step == "revoke":
            password_id = positive_id(request.POST.get("id", ""))
            if password_id and access.revoke(user, password_id):
                messages.success(request, _("The app password is revoked."))
            return redirect("readers:app_passwords")
        elif step == "read_means":
            choice = request.POST.get("read_means", "")
            if choice in ReadMeaning.values:
                queue.set_read_means(user, choice)
                messages.success(request, _("Saved."))
            return redirect("readers:app_passwords")
    context = {
        "passwords": AppPassword.objects.filter(user=user),
        "secret": secret,
        "error": error,
        "read_means": queue.read_means(user),
        "choices": ReadMeaning.choices,
        "site": request.build_absolute_uri("/").rstrip("/"),
        "username": user.get_username(),
    }
    # A page that shows a secret is never stored by a cache or the browser's history.
    response = render(request, "readers/app_passwords.html", context)
    response["Cache-Control"] = "no-store"
    return response
