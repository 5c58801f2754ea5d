"""A topic's publishing schedule: time zone, days and times of the slots."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from florilege.curation.scheduling import WEEKDAYS, ScheduleError, parse_times, valid_time_zones


class ScheduleForm(forms.Form):
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=60, help_text=_("A name such as Europe/Paris or UTC.")
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days"),
        choices=list(enumerate(WEEKDAYS)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    times = forms.CharField(
        label=_("Times"),
        required=False,
        help_text=_("Times of day, separated by commas, e.g. 09:00, 17:00."),
    )

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        if name not in valid_time_zones():
            raise ValidationError(_("Unknown time zone; use a name such as Europe/Paris."))
        return name

    def clean_times(self):
        try:
            return parse_times(self.cleaned_data.get("times", ""))
        except ScheduleError as exc:
            raise ValidationError(str(exc)) from exc
