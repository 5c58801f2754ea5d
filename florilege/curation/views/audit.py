"""A topic's audit log (owners only: the service checks), one sentence per change."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from florilege.curation.services import audit
from florilege.curation.views.access import page_context
from florilege.topics.models import Topic


@login_required
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    events = audit.events(topic, request.user)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = page_context(request, topic, page=page, lines=audit.lines(topic, page))
    return render(request, "curation/audit.html", context)
