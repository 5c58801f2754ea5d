"""Self sign-up, when the site allows it (FLORILEGE_SIGNUP=open); 404 otherwise. Thin: the
workflow and its limits are in ``services/signup.py``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from florilege.accounts.forms import SelfSignUpForm
from florilege.accounts.services import signup as service
from florilege.analytics import throttle


def _require_open() -> None:
    if not service.is_open():
        raise Http404


def signup(request: HttpRequest) -> HttpResponse:
    _require_open()
    form = SelfSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_bot:  # told the same as a person, nothing stored or sent
            return render(request, "accounts/signup_sent.html")
        now = timezone.now()
        data = form.cleaned_data
        try:
            outcome = service.sign_up(data["username"], data["email"], data["password"],
                                      throttle.reader_key(request, now), now)  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            if outcome.ok:
                return render(request, "accounts/signup_sent.html")
            form.add_error(None, _("Too many requests from your address; try again in an hour."))
            return render(request, "accounts/signup.html", {"form": form}, status=429)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link shows a button; the POST confirms (a mail scanner that follows
    links must not confirm for the reader)."""
    _require_open()
    try:
        found = service.pending(token)
        if request.method == "POST":
            user = service.confirm(token, timezone.now())
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is confirmed. Create your first topic."))
            return redirect("curation:topic_create")
    except ValidationError as exc:
        context = {"error": " ".join(exc.messages)}
        return render(request, "accounts/signup_confirm.html", context, status=410)
    return render(request, "accounts/signup_confirm.html", {"sign_up": found})
