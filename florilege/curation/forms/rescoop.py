"""Rescooping a public scoop into one of your topics."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from florilege.curation.services.scooping import clean_insight, clean_tags
from florilege.topics.models import Topic


class RescoopForm(forms.Form):
    topic = forms.ChoiceField(label=_("Into your topic"))
    insight = forms.CharField(
        label=_("Your insight"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write an insight: say in a few words why this matters.")},
        help_text=_("Markdown: why this matters to your readers."),
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))

    def __init__(self, *args, topics: list[Topic], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["topic"]
        assert isinstance(field, forms.ChoiceField)  # declared above
        field.choices = [(t.slug, t.title) for t in topics]

    def clean_insight(self) -> str:
        return clean_insight(self.cleaned_data["insight"])

    def clean_tags(self) -> list[str]:
        return clean_tags(self.cleaned_data.get("tags", ""))
