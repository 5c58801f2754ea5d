from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from florilege.webhooks.models import Event, Preset


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Address"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("Where each event is POSTed as JSON, e.g. a Slack or Teams incoming webhook."),
    )
    preset = forms.ChoiceField(label=_("Message format"), choices=Preset.choices)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Event.SCOOP_PUBLISHED],
    )
