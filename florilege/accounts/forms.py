"""Forms for accounts: inviting and roles, signing up from an invitation, two-factor codes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from florilege.topics.models import Role


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
