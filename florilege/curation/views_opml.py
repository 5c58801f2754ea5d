"""OPML import (upload) and export (download) of a topic's sources."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from florilege.curation.services.opml import ImportReport, export_opml, import_opml
from florilege.sources.opml import MAX_OPML_BYTES
from florilege.topics.models import Topic
from florilege.topics.services import require_curator

# Rejected feeds listed on the result page; the count says how many more there were.
SHOWN_REJECTS = 50


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


def _topic(request: HttpRequest, slug: str) -> Topic:
    topic = get_object_or_404(Topic, slug=slug)
    require_curator(request.user, topic)
    return topic


@login_required
def opml_import(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic(request, slug)
    report: ImportReport | None = None
    posted = request.method == "POST"
    form = OpmlImportForm(request.POST, request.FILES) if posted else OpmlImportForm()
    if posted and form.is_valid():
        try:
            report = import_opml(topic, form.cleaned_data["file"], request.user, timezone.now())
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(request, _summary(report))
    context = {
        "topic": topic,
        "form": form,
        "report": report,
        "rejects": report.invalid[:SHOWN_REJECTS] if report else [],
        "max_mb": MAX_OPML_BYTES // (1024 * 1024),
    }
    return render(request, "curation/opml.html", context, status=400 if form.errors else 200)


def _summary(report: ImportReport) -> str:
    added = len(report.added)
    parts = [ngettext("%(n)s feed added", "%(n)s feeds added", added) % {"n": added}]
    if report.already_followed:
        n = len(report.already_followed)
        parts.append(ngettext("%(n)s already followed", "%(n)s already followed", n) % {"n": n})
    if report.invalid:
        n = len(report.invalid)
        parts.append(ngettext("%(n)s skipped", "%(n)s skipped", n) % {"n": n})
    if report.duplicates:
        n = report.duplicates
        parts.append(ngettext("%(n)s listed twice", "%(n)s listed twice", n) % {"n": n})
    tail = " " + gettext("They will be fetched within minutes.") if report.added else ""
    return ", ".join(parts) + "." + tail


@login_required
def opml_export(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    body = export_opml(topic, request.user, timezone.now())
    response = HttpResponse(body, content_type="text/x-opml; charset=utf-8")
    # The slug is [-a-z0-9_] only, so it needs no quoting in the header.
    response["Content-Disposition"] = f'attachment; filename="{topic.slug}.opml"'
    return response
