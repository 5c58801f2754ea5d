"""The form of a topic's settings: title, address, languages, keywords, look, visibility."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from florilege.lib.text.folding import slug_at_word
from florilege.lib.text.language import SUPPORTED
from florilege.lib.urls import is_http_url
from florilege.media import services as pictures
from florilege.topics.models import Topic
from florilege.topics.services import parse_list

RESERVED_SLUGS = {"new", "admin", "feed", "static", "demo", "curate", "login", "logout"}
# What the colour input shows while the topic uses the default accent (the site's own).
DEFAULT_ACCENT = "#9b2c55"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def language_name(code: str) -> str:
    """The language's name in the page's language ("French" / "français"), else the code."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


class LanguagesField(forms.MultipleChoiceField):
    """Ticked languages; a comma-separated value ("fr, en", from a script or an older
    form) is read as the same list, so both ways of posting mean one thing."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[str]:
        items = super().to_python(value)
        codes: list[str] = []
        for item in items:
            for code in re.split(r"[,\s]+", item.lower()):
                if code and code not in codes:
                    codes.append(code)
        return codes

    def offer(self, codes: list[str]) -> None:
        """Offer ``codes``, each under its name in the page's language."""
        self.offered = [(code, language_name(code)) for code in codes]
        self.choices = self.offered

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        offered = getattr(self, "offered", [])
        unknown = [code for code in value if code not in dict(offered)]
        if unknown:
            names = ", ".join(label for _code, label in offered)
            raise ValidationError(
                _("Unknown language: %(codes)s. Tick among: %(names)s."),
                code="invalid_choice",
                params={"codes": ", ".join(unknown), "names": names},
            )


class ColourInput(forms.TextInput):
    """The browser's colour picker; it always posts a #rrggbb value."""

    input_type = "color"


class TopicForm(forms.ModelForm):
    languages = LanguagesField(
        required=False,
        label=_("Languages"),
        help_text=_("The languages of the items you want; none ticked means every language."),
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
    use_default_accent = forms.BooleanField(
        required=False,
        label=_("Use the default accent colour"),
        help_text=_("Untick to use the colour chosen below."),
    )
    # Declared, not derived from the model, so that anything but #rrggbb gets the one clear
    # message of clean_accent_color (not a length error first).
    accent_color = forms.CharField(
        required=False,
        widget=ColourInput,
        label=_("Accent colour"),
        help_text=_("Colour of links on the public page. It is darkened or lightened as "
                    "needed to stay readable."),
    )  # fmt: skip
    visibility = forms.ChoiceField(
        required=False,
        label=_("Visibility"),
        widget=forms.RadioSelect,
        choices=[
            ("public", _("Public: anyone can read its page, its feeds and its fediverse account")),
            ("private", _("Private: only its team sees it; its page, feeds and fediverse "
                          "account answer “not found”")),
        ],
    )  # fmt: skip
    layout = forms.ChoiceField(
        required=False,
        label=_("Layout of the public page"),
        widget=forms.RadioSelect,
        choices=[
            ("list", _("List: one scoop under another, insight first")),
            ("grid", _("Grid: cards with their pictures, side by side on wide screens")),
        ],
        help_text=_("Readers can still switch to the other one."),
    )
    header_image_url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label=_("Header image URL"),
        help_text=_("Banner image shown at the top of the public page."),
    )
    # A topic's settings only (a new topic has no banner to replace): kept for the pictures
    # stage as a scoop's upload is (curation/services/scooping.store_upload), by the view.
    header_image_upload = forms.FileField(
        required=False,
        label=_("Or upload a banner"),
        help_text=_("JPEG, PNG, WebP or GIF, up to 8 MB."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    header_image_clear = forms.BooleanField(required=False, label=_("Remove the banner"))

    class Meta:
        model = Topic
        fields = [
            "title", "slug", "description", "languages", "keywords",
            "use_default_accent", "accent_color", "header_image_url", "header_image_upload",
            "header_image_clear", "layout", "visibility", "allow_scoop_without_insight",
        ]  # fmt: skip
        labels = {
            "title": _("Title"),
            "slug": _("Address"),
            "description": _("Description"),
            "allow_scoop_without_insight": _("Allow scooping without an insight"),
        }
        help_texts = {
            "slug": _("The address of the topic page: letters, digits and hyphens."),
            "allow_scoop_without_insight": _("Editors get a “Scoop now” button on the queue "
                                             "cards: published at once, without an insight."),
        }  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The supported languages, plus any other a topic already has (kept, not lost).
        codes = [*SUPPORTED, *(c for c in self.instance.languages if c not in SUPPORTED)]
        languages = self.fields["languages"]
        assert isinstance(languages, LanguagesField)
        languages.offer(codes)
        self.initial["visibility"] = "public" if self.instance.is_public else "private"
        accent = self.instance.accent_color
        self.initial["use_default_accent"] = not accent
        self.initial["accent_color"] = accent or DEFAULT_ACCENT
        if not self.instance.pk:
            # A new topic may leave its address empty: one is made from the title.
            slug = self.fields["slug"]
            slug.required = False
            slug.help_text = _(
                "The address of the topic page: letters, digits and hyphens. "
                "Leave it empty to make one from the title."
            )
        # The banner as stored (the form changes the instance as it checks).
        self._stored_banner = self.instance.header_image_url if self.instance.pk else ""
        if self.instance.pk:
            self.initial["languages"] = list(self.instance.languages)
            self.initial["keywords"] = ", ".join(self.instance.keywords)
        self._banner_fields()

    def _banner_fields(self) -> None:
        """Upload and removal on a topic's settings only, removal when it has a banner. An
        uploaded banner's address is ours, for the stage alone: the address field is
        left empty for it, and an empty address keeps it (see clean_header_image_url)."""
        if not self.instance.pk:
            del self.fields["header_image_upload"]
        if not self.instance.header_image_url:
            del self.fields["header_image_clear"]
        if self.uploaded_banner():
            self.initial["header_image_url"] = ""
            self.fields["header_image_url"].help_text = _(
                "An uploaded banner is shown; type an address to show another picture instead."
            )

    def uploaded_banner(self) -> str:
        """The address of the topic's uploaded banner, "" if its banner is not an upload."""
        url = self.instance.header_image_url if self.instance.pk else ""
        return url if url and pictures.is_upload_url(url) else ""

    def clean_slug(self) -> str:
        # Title is cleaned first (field order), so an empty address can be made from it,
        # cut after a whole word (Topic.slug holds 80 characters).
        typed = self.cleaned_data.get("slug") or ""
        slug = (typed or slug_at_word(self.cleaned_data.get("title") or "", 80)).lower()
        if not slug:
            raise ValidationError(_("Choose an address: the title has no letters to make one."))
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This address is reserved; choose another."))
        clash = Topic.objects.filter(slug=slug).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("Another topic already uses this address; choose another."))
        return slug

    def clean_keywords(self) -> list[str]:
        return parse_list(self.cleaned_data.get("keywords", ""))

    def clean_accent_color(self) -> str:
        colour = (self.cleaned_data.get("accent_color") or "").strip()
        if self.data.get(self.add_prefix("use_default_accent")) or not colour:
            return ""
        if not HEX_COLOUR.match(colour):
            raise ValidationError(_("Enter a colour as #rrggbb."))
        return colour.lower()

    def clean_visibility(self) -> str:
        # Not posted (a script, an older form): the topic keeps what it had.
        chosen = self.cleaned_data.get("visibility")
        return chosen or ("public" if self.instance.is_public else "private")

    def clean_layout(self) -> str:
        # Not posted (a script, an older form): the topic keeps its layout.
        return self.cleaned_data.get("layout") or self.instance.layout

    def save(self, commit: bool = True) -> Topic:
        self.instance.is_public = self.cleaned_data["visibility"] == "public"
        return super().save(commit)

    def clean_header_image_url(self) -> str:
        url = self.cleaned_data.get("header_image_url", "").strip()
        if url and not is_http_url(url):
            raise ValidationError(_("Enter a full web address starting with http:// or https://."))
        # Left empty, as it is shown, the address keeps an uploaded banner.
        return url or self.uploaded_banner()

    def typed_banner_address(self) -> str:
        """The banner address typed in the form, "" when none or when it is the one the
        topic has (the field shows an address banner as it is)."""
        typed = str(self.data.get(self.add_prefix("header_image_url")) or "").strip()
        return typed if typed != self._stored_banner else ""

    def clean(self) -> dict[str, Any]:
        # Two ways of choosing the banner at once is a question, not a choice to make for
        # the curator: each pair is refused, and nothing is kept.
        data = super().clean() or {}
        typed = self.typed_banner_address()
        if data.get("header_image_clear"):
            if data.get("header_image_upload"):
                self.add_error(
                    "header_image_upload", _("Upload a new banner or remove it, not both.")
                )
            elif typed:
                self.add_error(
                    "header_image_url", _("Type a banner's address or remove it, not both.")
                )
            data["header_image_url"] = ""
        elif data.get("header_image_upload") and typed:
            self.add_error(
                "header_image_upload", _("Upload a banner or type its address, not both.")
            )
        return data

    def use_banner(self, url: str) -> None:
        """Make ``url`` (an upload kept for the stage) the banner the form saves."""
        self.cleaned_data["header_image_url"] = url
        self.instance.header_image_url = url
