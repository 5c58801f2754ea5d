"""Rescooping a public scoop into one of your topics."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from florilege.curation.forms.rescoop import RescoopForm
from florilege.curation.models import Scoop
from florilege.curation.services import rescoop


@login_required
def rescoop_view(request: HttpRequest, scoop_id: int) -> HttpResponse:
    original = Scoop.objects.visible().select_related("topic", "curator").filter(pk=scoop_id)
    original = original.first()
    if original is None:
        messages.error(request, _("This scoop is no longer public: it cannot be rescooped."))
        return redirect("curation:dashboard")
    topics = [t for t in rescoop.curated_topics(request.user) if t.pk != original.topic_id]
    form = RescoopForm(request.POST or None, topics=topics)
    if request.method == "POST" and form.is_valid():
        target = next(t for t in topics if t.slug == form.cleaned_data["topic"])
        try:
            scoop = rescoop.rescoop(
                request.user,
                scoop_id,
                target,
                form.cleaned_data["insight"],
                form.cleaned_data["tags"],
                timezone.now(),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Rescooped. It is on your topic page."))
            return redirect(scoop.get_absolute_url())
    context = {"original": original, "form": form, "topics": topics}
    return render(request, "curation/rescoop.html", context)
