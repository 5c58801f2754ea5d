"""Making a scoop: from the full form, from a page address, or from the queue card."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from florilege.curation.services.scooping import ScoopDraft, clean_insight, clean_tags
from florilege.lib.urls import is_http_url

# Pictures offered at most (the page's own, kept across a preview).
MAX_IMAGE_OPTIONS = 12


class ScoopForm(forms.Form):
    """The full scoop form. The picture is one of those the page offers (``image_url``,
    listed in ``image_options`` so the choice survives a preview), an address typed by
    hand, an upload, or none. Which button was pressed (publish, schedule, save a draft,
    preview) is the plan form's ``mode`` or ``preview``, read by the view."""

    url = forms.CharField(max_length=2000, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=300)
    excerpt = forms.CharField(
        label=_("Excerpt"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    insight = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("Insight"),
        required=False,
        help_text=_("Your commentary, in Markdown: why this matters to your readers."),
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    image_url = forms.CharField(label=_("Picture"), required=False, max_length=2000)
    image_options = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    image_address = forms.CharField(
        label=_("Or the address of a picture"),
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )
    image_upload = forms.FileField(
        label=_("Or upload a picture"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, up to 8 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    source_name = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)
    language = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(
        self, *args, images: list[str] | None = None, previewing: bool = False, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        if images is not None and not self.is_bound:
            self.initial["image_options"] = images
        # A preview may come before the insight is written; saving needs one (unless the
        # service is told otherwise).
        self.fields["insight"].required = not previewing
        self.fields["insight"].error_messages["required"] = _(
            "Write an insight: say in a few words why this piece matters."
        )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if not is_http_url(url):
            raise ValidationError(
                _("The scoop needs a web address starting with http:// or https://.")
            )
        return url

    def clean_insight(self) -> str:
        text = (self.cleaned_data.get("insight") or "").strip()
        return clean_insight(text) if text else ""

    def clean_tags(self) -> list[str]:
        return clean_tags(self.cleaned_data.get("tags", ""))

    def clean_image_url(self) -> str:
        url = (self.cleaned_data.get("image_url") or "").strip()
        return url if is_http_url(url) else ""

    def clean_image_address(self) -> str:
        url = (self.cleaned_data.get("image_address") or "").strip()
        if url and not is_http_url(url):
            raise ValidationError(_("Enter a full web address starting with http:// or https://."))
        return url

    def clean_image_options(self) -> list[str]:
        raw = self.data.getlist("image_options") if hasattr(self.data, "getlist") else []
        return [u for u in raw[:MAX_IMAGE_OPTIONS] if len(u) <= 2000 and is_http_url(u)]

    def images(self) -> list[str]:
        """The pictures to offer: those the page had, and the chosen one if it is not
        among them (an upload kept across a preview)."""
        if self.is_bound:
            data = getattr(self, "cleaned_data", {})
            options, chosen = list(data.get("image_options", [])), data.get("image_url", "")
        else:
            options = list(self.initial.get("image_options") or [])
            chosen = self.initial.get("image_url", "")
        if chosen and chosen not in options:
            options.insert(0, chosen)
        return options

    def chosen_image(self) -> str:
        if self.is_bound:
            return getattr(self, "cleaned_data", {}).get("image_url", "")
        return self.initial.get("image_url", "")

    def draft(self) -> ScoopDraft:
        data = self.cleaned_data
        return ScoopDraft(
            url=data["url"],
            title=data["title"],
            insight=data["insight"],
            excerpt=data.get("excerpt", ""),
            image_url=data.get("image_address") or data.get("image_url", ""),
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
