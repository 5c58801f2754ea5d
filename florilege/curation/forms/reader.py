"""The public "suggest a page" form of a topic."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from florilege.lib.urls import is_http_url


class ReaderSuggestForm(forms.Form):
    url = forms.CharField(
        label=_("Page address"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://..."}),
    )
    note = forms.CharField(
        label=_("Why it fits (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Honeypot: hidden from people by the stylesheet and aria-hidden; bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if not is_http_url(url):
            raise ValidationError(_("Enter a full web address starting with http:// or https://."))
        return url
