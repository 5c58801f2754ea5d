"""Forms for accounts: logging in, inviting and roles, signing up from an invitation,
two-factor codes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from florilege.accounts.services import throttle
from florilege.lib.client import client_address
from florilege.topics.models import Role


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refused while the account name or the client address is locked
    (before the password is even checked, so the right one does not get through either),
    and counting each wrong password against both."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password") or ""
        address = client_address(self.request.META) if self.request is not None else ""
        now = timezone.now()
        until = throttle.password_lock(username, address, now)
        if until is not None:
            raise ValidationError(throttle.password_locked_message(until, now), code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            if username and password and self.user_cache is None:
                throttle.password_failed(username, address, now)
            raise
        if self.user_cache is not None:
            throttle.password_succeeded(username)
        return cleaned


class InviteForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CONTRIBUTOR)
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        help_text=_("The link is emailed when you give an address; you see it either way."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class SignUpForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class SelfSignUpForm(forms.Form):
    """Creating an account of one's own. ``website`` is a honeypot: hidden from people,
    filled in by robots, which are then answered as if it worked."""

    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(render_value=False), max_length=4096
    )
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def clean_username(self) -> str:
        from django.contrib.auth.validators import UnicodeUsernameValidator

        username = self.cleaned_data["username"].strip()
        UnicodeUsernameValidator()(username)
        return username

    def clean_email(self) -> str:
        raw = self.data.get("email", "")
        # One line: it becomes an email header.
        if isinstance(raw, str) and ("\r" in raw or "\n" in raw):
            raise ValidationError(_("This field must be on one line."))
        return self.cleaned_data["email"]

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))
