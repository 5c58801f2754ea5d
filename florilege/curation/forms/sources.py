"""Following a feed or a site, and importing an OPML file of feeds."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from florilege.curation.scoopit import MAX_BYTES as SCOOPIT_MAX_BYTES
from florilege.lib.urls import is_http_url
from florilege.sources.opml import MAX_OPML_BYTES


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


class OpmlImportForm(forms.Form):
    file = forms.FileField(
        label=_("OPML file"),
        help_text=_("Exported from your feed reader (.opml or .xml), at most 2 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".opml,.xml,text/x-opml,text/xml,application/xml"}
        ),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        # Checked before reading: the size comes from the upload handler, not the client.
        if upload.size > MAX_OPML_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB; export fewer feeds or split it.")
                % {"mb": MAX_OPML_BYTES // (1024 * 1024)}
            )
        return upload.read(MAX_OPML_BYTES + 1)


class ScoopitImportForm(forms.Form):
    file = forms.FileField(
        label=_("Saved topic page or RSS file"),
        required=False,
        help_text=_(
            "The topic page saved from your browser (.html), or its RSS feed, at most 5 MB."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".html,.htm,.xml,.rss,text/html,application/rss+xml,text/xml"}
        ),
    )
    feed_url = forms.URLField(
        label=_("Or the topic's RSS feed address"),
        required=False,
        max_length=2000,
        assume_scheme="https",
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        upload, url = data.get("file"), data.get("feed_url")
        if not upload and not url:
            raise ValidationError(_("Choose a file or give the feed's address."))
        if upload is not None:
            if upload.size > SCOOPIT_MAX_BYTES:
                raise ValidationError(_("The file is larger than 5 MB."))
            data["data"] = upload.read(SCOOPIT_MAX_BYTES + 1)
        return data
