"""The form of a topic's settings: title, address, languages, keywords, look."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
            "allow_scoop_without_insight",
        ]  # fmt: skip
        widgets = {"accent_color": forms.TextInput(attrs={"placeholder": "#9b2c55"})}
        labels = {
            "title": _("Title"),
            "slug": _("Address"),
            "description": _("Description"),
            "accent_color": _("Accent colour"),
            "allow_scoop_without_insight": _("Allow scooping without an insight"),
        }
        help_texts = {
            "slug": _("The address of the topic page: letters, digits and hyphens."),
            "accent_color": _("Colour of links on the public page, as #rrggbb; empty for the "
                              "default. It is darkened or lightened as needed to stay readable."),
            "allow_scoop_without_insight": _("Editors get a “Scoop now” button on the queue "
                                             "cards: published at once, without an insight."),
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
