"""Turning two-factor login on and off."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from florilege.accounts.forms import CodeForm
from florilege.accounts.models import TwoFactor
from florilege.accounts.services import two_factor


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
    if device is None and step == "confirm":
        device = TwoFactor.objects.filter(user=user, confirmed_at__isnull=True).first()
    context = {
        "enabled": two_factor.enabled(user),
        "device": device,
        "uri": two_factor.uri(device) if device else "",
        "form": form,
    }
    return render(request, "registration/two_factor.html", context)
