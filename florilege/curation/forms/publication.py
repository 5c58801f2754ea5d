"""When a scoop goes out, sending a proposal back, editing a scoop."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from florilege.curation.scheduling import ScheduleError, local_to_utc
from florilege.curation.services.publication import (
    AT,
    DRAFT,
    NOW,
    PROPOSE,
    QUEUE,
    PublishPlan,
)
from florilege.topics.models import Topic
from florilege.topics.permissions import Action, can

EDITOR_CHOICES = [
    (NOW, _("Publish now")),
    (AT, _("Publish at a date and time")),
    (QUEUE, _("Add to the publishing queue (next free slot)")),
    (DRAFT, _("Save as a draft")),
]
CONTRIBUTOR_CHOICES = [
    (PROPOSE, _("Propose for approval")),
    (DRAFT, _("Save as a draft")),
]


class PlanForm(forms.Form):
    """When a scoop goes out. The choices shown follow the user's role, but any mode may be
    posted: the service refuses what the role does not allow, with a message."""

    mode = forms.ChoiceField(
        label=_("When"),
        widget=forms.RadioSelect,
        choices=[*EDITOR_CHOICES, CONTRIBUTOR_CHOICES[0]],
        required=False,
    )
    at = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args, topic: Topic, user, approving: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.topic, self.user = topic, user
        self.publisher = can(user, topic, Action.PUBLISH)
        shown = EDITOR_CHOICES if self.publisher else CONTRIBUTOR_CHOICES
        if approving:
            shown = EDITOR_CHOICES[:3]
        self.shown_choices = shown
        self.fields["at"].help_text = _("In the topic's time zone (%(zone)s).") % {
            "zone": topic.time_zone
        }
        if not self.is_bound:
            self.initial.setdefault("mode", shown[0][0])

    def clean_at(self) -> datetime | None:
        value = self.cleaned_data.get("at")
        if value is None:
            return None
        # The browser sends wall-clock time; it means the topic's time zone, not the server's
        # (Django has already read it in the server's zone: undo that first).
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        try:
            return local_to_utc(naive, self.topic.time_zone)
        except ScheduleError as exc:
            raise ValidationError(str(exc)) from exc

    def plan(self) -> PublishPlan:
        mode = self.cleaned_data.get("mode") or self.shown_choices[0][0]
        return PublishPlan(mode, self.cleaned_data.get("at"))


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should change"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Say what should change: the comment is sent to the author.")
        },
    )


class ScoopEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    excerpt = forms.CharField(
        label=_("Excerpt"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    insight = forms.CharField(
        label=_("Insight"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown."),
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
