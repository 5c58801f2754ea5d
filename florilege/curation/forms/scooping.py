"""Making a scoop: from the full form, from a page address, or from the queue card."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from florilege.curation.services.scooping import ScoopDraft, clean_insight, clean_tags
from florilege.lib.urls import is_http_url


class ScoopForm(forms.Form):
    url = forms.CharField(max_length=2000, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=300)
    excerpt = forms.CharField(
        label=_("Excerpt"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    insight = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("Insight"),
        error_messages={
            "required": _("Write an insight: say in a few words why this piece matters.")
        },
        help_text=_("Your commentary, in Markdown: why this matters to your readers."),
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    image_url = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    source_name = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)
    language = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if not is_http_url(url):
            raise ValidationError(
                _("The scoop needs a web address starting with http:// or https://.")
            )
        return url

    def clean_insight(self) -> str:
        return clean_insight(self.cleaned_data["insight"])

    def clean_tags(self) -> list[str]:
        return clean_tags(self.cleaned_data.get("tags", ""))

    def draft(self) -> ScoopDraft:
        data = self.cleaned_data
        return ScoopDraft(
            url=data["url"],
            title=data["title"],
            insight=data["insight"],
            excerpt=data.get("excerpt", ""),
            image_url=data.get("image_url", ""),
            source_name=data.get("source_name", ""),
            language=data.get("language", ""),
            tags=data.get("tags", []),
        )

    @classmethod
    def initial_from(cls, draft: ScoopDraft) -> dict[str, str]:
        return {
            "url": draft.url,
            "title": draft.title,
            "excerpt": draft.excerpt,
            "insight": draft.insight,
            "tags": ", ".join(draft.tags),
            "image_url": draft.image_url,
            "source_name": draft.source_name,
            "language": draft.language,
        }


class ScoopUrlForm(forms.Form):
    url = forms.CharField(
        label=_("Page address"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if not is_http_url(url):
            raise ValidationError(_("Enter a full web address starting with http:// or https://."))
        return url


class QuickScoopForm(forms.Form):
    insight = forms.CharField(
        error_messages={"required": _("Write an insight: say in a few words why this matters.")}
    )
    tags = forms.CharField(required=False)

    def clean_insight(self) -> str:
        return clean_insight(self.cleaned_data["insight"])

    def clean_tags(self) -> list[str]:
        return clean_tags(self.cleaned_data.get("tags", ""))
