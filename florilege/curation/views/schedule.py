"""A topic's publishing schedule: the slots queued scoops go out in, and what is due."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from florilege.curation.forms.schedule import ScheduleForm
from florilege.curation.models import Scoop, ScoopStatus
from florilege.curation.services import publication
from florilege.curation.views.access import page_context, topic_for
from florilege.topics.permissions import Action


@login_required
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    initial = {
        "time_zone": topic.time_zone,
        "weekdays": topic.slot_weekdays,
        "times": ", ".join(topic.slot_times),
    }
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            publication.update_schedule(
                topic, request.user, data["time_zone"], data["weekdays"], list(data["times"]),
                timezone.now(),
            )  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Publishing schedule saved."))
            return redirect("curation:schedule", slug=topic.slug)
    upcoming = (
        Scoop.objects.filter(topic=topic, status=ScoopStatus.SCHEDULED)
        .select_related("topic")
        .order_by("published_at", "id")[:20]
    )
    context = page_context(request, topic, form=form, upcoming=upcoming)
    return render(request, "curation/schedule.html", context)
