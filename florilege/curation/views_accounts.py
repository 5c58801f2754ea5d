"""Accounts: login with an optional second step (TOTP), invitations, two-factor set-up.
Password reset is Django's own views with our templates (see urls_accounts.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from florilege.curation.forms_team import CodeForm, SignUpForm
from florilege.curation.services import team, two_factor

PENDING = "florilege_2fa_user"
PENDING_BACKEND = "florilege_2fa_backend"
PENDING_NEXT = "florilege_2fa_next"
ATTEMPTS = "florilege_2fa_attempts"
MAX_ATTEMPTS = 5


class TwoStepLoginView(auth_views.LoginView):
    """The password first; when the account has two-factor on, the session remembers who
    passed it and the code page finishes the login. Nobody is logged in before the code."""

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        if not two_factor.enabled(user):
            return super().form_valid(form)
        self.request.session[PENDING] = user.pk
        self.request.session[PENDING_BACKEND] = user.backend
        self.request.session[PENDING_NEXT] = self.get_success_url()
        self.request.session[ATTEMPTS] = 0
        return redirect("login_code")


def login_code(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import get_user_model

    pk = request.session.get(PENDING)
    if pk is None:
        return redirect("login")
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and user is not None:
        if two_factor.check(user, form.cleaned_data["code"], timezone.now()):
            target = request.session.get(PENDING_NEXT) or "/curate/"
            backend = request.session.get(PENDING_BACKEND)
            for key in (PENDING, PENDING_BACKEND, PENDING_NEXT, ATTEMPTS):
                request.session.pop(key, None)
            login(request, user, backend=backend)
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/curate/"
            return HttpResponseRedirect(target)
        request.session[ATTEMPTS] = request.session.get(ATTEMPTS, 0) + 1
        if request.session[ATTEMPTS] >= MAX_ATTEMPTS:
            # Start again from the password: a code cannot be guessed by trying them all.
            request.session.flush()
            messages.error(request, _("Too many wrong codes; log in again."))
            return redirect("login")
        form.add_error("code", _("This code is not right; check your phone's time and retry."))
    return render(request, "registration/login_code.html", {"form": form})


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    try:
        invited = team.find_invitation(token, now)
    except ValidationError as exc:
        return render(request, "curation/invitation.html", {"error": exc.messages[0]}, status=410)
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
    return render(request, "curation/invitation.html", context)


@login_required
def two_factor_settings(request: HttpRequest) -> HttpResponse:
    """Turn two-factor login on (secret shown as text and as an otpauth URI, then one code
    to confirm) or off (with a current code)."""
    user, now = request.user, timezone.now()
    assert user.is_authenticated  # by login_required; tells the type checker
    form = CodeForm(request.POST or None)
    step = request.POST.get("step", "")
    device = None
    try:
        if request.method == "POST" and step == "start":
            device = two_factor.start(user)
            form = CodeForm()
        elif request.method == "POST" and form.is_valid() and step == "confirm":
            two_factor.confirm(user, form.cleaned_data["code"], now)
            messages.success(request, _("Two-factor login is on."))
            return redirect("two_factor")
        elif request.method == "POST" and form.is_valid() and step == "disable":
            two_factor.disable(user, form.cleaned_data["code"], now)
            messages.success(request, _("Two-factor login is off."))
            return redirect("two_factor")
    except ValidationError as exc:
        form.add_error(None, exc.messages[0])
    from florilege.curation.models import TwoFactor

    if device is None and step == "confirm":
        device = TwoFactor.objects.filter(user=user, confirmed_at__isnull=True).first()
    context = {
        "enabled": two_factor.enabled(user),
        "device": device,
        "uri": two_factor.uri(device) if device else "",
        "form": form,
    }
    return render(request, "registration/two_factor.html", context)
