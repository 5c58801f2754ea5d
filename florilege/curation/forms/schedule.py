"""A topic's publishing schedule: time zone, days and times of the slots."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from florilege.curation.scheduling import WEEKDAYS, ScheduleError, parse_times, valid_time_zones


def time_zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every zone the system knows, grouped by region (Africa, America, Europe...) for a
    select with <optgroup>s; zones without a region (UTC) come first."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(valid_time_zones()):
        region, _sep, place = name.partition("/")
        key = region if place else ""
        groups.setdefault(key, []).append((name, place.replace("_", " ") if place else name))
    return [(region, zones) for region, zones in sorted(groups.items())]


class ScheduleForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_("Dates on the topic's pages are shown in this zone too."),
        error_messages={"invalid_choice": _("Unknown time zone; choose one from the list.")},
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

    def clean_times(self):
        try:
            return parse_times(self.cleaned_data.get("times", ""))
        except ScheduleError as exc:
            raise ValidationError(str(exc)) from exc
