"""Curator actions on a topic's learned ranking (the model itself lives in suggestions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from florilege.suggestions.learning import reset_model
from florilege.topics.models import Topic


@login_required
@require_POST
def reset_ranking(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    # The service checks the permission (a refusal is a 403, never a change).
    reset_model(topic, request.user, timezone.now())
    messages.success(
        request,
        _("The ranking forgets past decisions; the queue is reordered at the next cycle."),
    )
    return redirect("curation:queue", slug=topic.slug)
