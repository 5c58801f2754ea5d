"""The topic's webhooks page: add, pause, remove, send a test, and the delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from florilege.curation.views.access import page_context, topic_for
from florilege.topics.permissions import Action
from florilege.webhooks import services
from florilege.webhooks.forms import WebhookForm


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.MANAGE_TOPIC)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add(topic, request.user, data["url"], data["preset"], data["events"],
                         timezone.now())  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, gettext("Webhook added. Copy its secret to check signatures.")
            )
            return redirect("webhooks:manage", slug=topic.slug)
    context = page_context(
        request,
        topic,
        form=form,
        webhooks=list(services.webhooks_of(topic, request.user)),
        deliveries=list(services.recent_deliveries(topic, request.user)),
    )
    return render(request, "webhooks/manage.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def act(request: HttpRequest, slug: str, webhook_id: int) -> HttpResponse:
    topic = topic_for(request, slug, Action.MANAGE_TOPIC)
    action = request.POST.get("action", "")
    now = timezone.now()
    try:
        if action == "test":
            services.send_test(topic, request.user, webhook_id, now)
            messages.success(request, gettext("Test queued: its answer appears in the log below."))
        elif action in {"pause", "resume"}:
            services.set_enabled(topic, request.user, webhook_id, action == "resume")
            messages.success(request, gettext("Webhook saved."))
        elif action == "remove":
            services.remove(topic, request.user, webhook_id, now)
            messages.success(request, gettext("Webhook removed."))
        else:
            messages.error(request, gettext("Unknown action."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("webhooks:manage", slug=topic.slug)
