"""Readers' forms. Each has a honeypot field that people never see and bots fill in."""

from __future__ import annotations

from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from florilege.publishing.comment_text import MAX_LENGTH
from florilege.publishing.models import Subscriber


def _no_line_breaks(form: forms.Form, name: str) -> None:
    """Refuse CR/LF in a one-line field, before any stripping could hide it: in an email
    header it would start a new header (header injection)."""
    raw = form.data.get(name, "")
    if isinstance(raw, str) and ("\r" in raw or "\n" in raw):
        raise ValidationError(_("This field must be on one line."))


class HoneypotForm(forms.Form):
    website = forms.CharField(required=False, label=_("Leave this empty"))

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class FollowForm(HoneypotForm):
    email = forms.EmailField(label=_("Your email address"), max_length=254)
    frequency = forms.ChoiceField(
        label=_("How often"), choices=Subscriber.Frequency.choices, initial="weekly"
    )

    def clean_email(self) -> str:
        _no_line_breaks(self, "email")
        return self.cleaned_data["email"]


class CommentForm(HoneypotForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.EmailField(
        label=_("Email (optional, never shown)"), required=False, max_length=254
    )
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=MAX_LENGTH)  # fmt: skip

    def clean_name(self) -> str:
        _no_line_breaks(self, "name")
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Please give a name."))
        return name

    def clean_email(self) -> str:
        _no_line_breaks(self, "email")
        return self.cleaned_data["email"]


@cache
def _time_zones() -> list[tuple[str, str]]:
    """Every time zone name: read from the system's zoneinfo files, a walk of hundreds of
    files that took most of the digest page's time, so done once per process."""
    from zoneinfo import available_timezones

    return [(name, name) for name in sorted(available_timezones())]


class DigestScheduleForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send digests"), required=False)
    hour = forms.TypedChoiceField(
        label=_("Hour"), coerce=int, choices=[(h, f"{h:02d}:00") for h in range(24)]
    )
    weekday = forms.TypedChoiceField(
        label=_("Day of the weekly digest"),
        coerce=int,
        choices=[
            (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
            (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday")),
        ],
    )  # fmt: skip
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zones)
