from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from florilege.curation.services.scooping import ScoopDraft, clean_insight, clean_tags
from florilege.lib.urls import is_http_url
from florilege.topics.models import Topic
from florilege.topics.services import parse_languages, parse_list

RESERVED_SLUGS = {"new", "admin", "feed", "static", "demo", "curate", "login", "logout"}


class TopicForm(forms.ModelForm):
    languages = forms.CharField(
        required=False,
        label=_("Languages"),
        help_text=_("Two-letter codes separated by commas, e.g. fr, en."),
    )
    keywords = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Keywords"),
        help_text=_(
            "Words or phrases that make an item relevant, separated by commas. "
            '+word: required; -word: rules an item out; "a phrase" matches as a whole.'
        ),
    )
    header_image_url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label=_("Header image URL"),
        help_text=_("Banner image shown at the top of the public page."),
    )

    class Meta:
        model = Topic
        fields = [
            "title", "slug", "description", "languages", "keywords",
            "accent_color", "header_image_url",
        ]  # fmt: skip
        widgets = {"accent_color": forms.TextInput(attrs={"placeholder": "#9b2c55"})}
        labels = {
            "title": _("Title"),
            "slug": _("Address"),
            "description": _("Description"),
            "accent_color": _("Accent colour"),
        }
        help_texts = {
            "slug": _("The address of the topic page: letters, digits and hyphens."),
            "accent_color": _("Colour of links on the public page, as #rrggbb; empty for the "
                              "default. It is darkened or lightened as needed to stay readable."),
        }  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["languages"] = ", ".join(self.instance.languages)
            self.initial["keywords"] = ", ".join(self.instance.keywords)

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This address is reserved; choose another."))
        clash = Topic.objects.filter(slug=slug).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("Another topic already uses this address; choose another."))
        return slug

    def clean_languages(self) -> list[str]:
        return parse_languages(self.cleaned_data.get("languages", ""))

    def clean_keywords(self) -> list[str]:
        return parse_list(self.cleaned_data.get("keywords", ""))

    def clean_accent_color(self) -> str:
        return self.cleaned_data.get("accent_color", "").strip().lower()

    def clean_header_image_url(self) -> str:
        url = self.cleaned_data.get("header_image_url", "").strip()
        if url and not is_http_url(url):
            raise ValidationError(_("Enter a full web address starting with http:// or https://."))
        return url


class SourceForm(forms.Form):
    url = forms.CharField(
        label=_("Feed or site address"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/feed.xml"}),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if not is_http_url(url):
            raise ValidationError(_("Enter a full web address starting with http:// or https://."))
        return url


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
