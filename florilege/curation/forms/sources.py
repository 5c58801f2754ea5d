"""Following a feed or a site, and importing an OPML file of feeds."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
