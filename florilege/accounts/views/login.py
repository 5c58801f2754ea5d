"""Login with an optional second step (TOTP). Password reset is Django's own views with
our templates (see ``accounts/urls.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from florilege.accounts.forms import CodeForm, ThrottledAuthenticationForm
from florilege.accounts.services import throttle, two_factor
from florilege.lib.client import client_address

PENDING = "florilege_2fa_user"
PENDING_BACKEND = "florilege_2fa_backend"
PENDING_NEXT = "florilege_2fa_next"
ATTEMPTS = "florilege_2fa_attempts"
MAX_ATTEMPTS = 5


class TwoStepLoginView(auth_views.LoginView):
    """The password first; when the account has two-factor on, the session remembers who
    passed it and the code page finishes the login. Nobody is logged in before the code.
    Failed logins are counted and lock the account or the address (``services/throttle.py``)."""

    authentication_form = ThrottledAuthenticationForm

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        if not two_factor.enabled(user):
            return super().form_valid(form)
        now = timezone.now()
        until = two_factor.code_lock(user, now)
        if until is not None:
            form.add_error(None, throttle.code_locked_message(until, now))
            return self.form_invalid(form)
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
        try:
            accepted = two_factor.check(user, form.cleaned_data["code"], timezone.now())
        except two_factor.CodeLocked as exc:
            # Back to the password: the count is the account's, so a new login waits too.
            request.session.flush()
            messages.error(request, exc.message)
            return redirect("login")
        if accepted:
            target = request.session.get(PENDING_NEXT) or "/curate/"
            backend = request.session.get(PENDING_BACKEND)
            for key in (PENDING, PENDING_BACKEND, PENDING_NEXT, ATTEMPTS):
                request.session.pop(key, None)
            login(request, user, backend=backend)
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/curate/"
            return HttpResponseRedirect(target)
        now = timezone.now()
        until = two_factor.code_lock(user, now)
        if until is not None:
            request.session.flush()
            messages.error(request, throttle.code_locked_message(until, now))
            return redirect("login")
        request.session[ATTEMPTS] = request.session.get(ATTEMPTS, 0) + 1
        if request.session[ATTEMPTS] >= MAX_ATTEMPTS:
            # Start again from the password: a code cannot be guessed by trying them all.
            request.session.flush()
            messages.error(request, _("Too many wrong codes; log in again."))
            return redirect("login")
        form.add_error("code", _("This code is not right; check your phone's time and retry."))
    return render(request, "registration/login_code.html", {"form": form})


class UnlockingPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's form behind the emailed reset link. Setting a new password this way also
    lifts the locks on the account, its two-factor step (whoever was guessing codes had the
    old password, which no longer works) and the address it was set from: the owner's way
    back in without waiting."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        throttle.unlock(user.get_username(), user.pk, client_address(self.request.META))
        return response
