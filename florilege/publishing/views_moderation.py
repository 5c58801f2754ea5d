"""The curator's side of readers' engagement: comments to review, the newsletter's
settings and followers, and the embed snippet. Permissions are checked in the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from florilege.publishing.feeds import absolute
from florilege.publishing.forms_engage import DigestScheduleForm
from florilege.publishing.models import Comment
from florilege.publishing.services import comments, digest_settings
from florilege.topics.models import Topic


def _schedule_form(request: HttpRequest, topic: Topic, data=None) -> DigestScheduleForm:
    schedule = digest_settings.schedule_for(request.user, topic)
    initial = {
        "enabled": schedule.enabled,
        "hour": schedule.hour,
        "weekday": schedule.weekday,
        "time_zone": schedule.time_zone,
    }
    return DigestScheduleForm(data, initial=initial)


@login_required
def readers(
    request: HttpRequest, slug: str, form: DigestScheduleForm | None = None
) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    review = list(comments.to_review(request.user, topic)[:200])
    script = absolute(reverse("publishing:embed_js", args=[topic.slug]))
    frame = absolute(reverse("publishing:embed", args=[topic.slug]))
    context = {
        "topic": topic,
        "review": review,
        "schedule_form": form or _schedule_form(request, topic),
        "followers": digest_settings.follower_counts(request.user, topic),
        "editions": digest_settings.recent_editions(request.user, topic),
        "script_snippet": f'<script src="{script}" data-count="5" async></script>',
        "iframe_snippet": (
            f'<iframe src="{frame}?n=5" title="{escape(topic.title)}" width="100%" height="480" '
            'style="border:0" loading="lazy"></iframe>'
        ),
        "json_url": absolute(reverse("publishing:embed_json", args=[topic.slug])),
    }
    return render(request, "publishing/engage/readers.html", context, status=400 if form else 200)


@login_required
@require_POST
def moderate(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    comment = get_object_or_404(
        Comment.objects.select_related("scoop__topic"), pk=comment_id, scoop__topic__slug=slug
    )
    action = request.POST.get("action", "")
    if action not in comments.ACTIONS:
        raise Http404("Unknown action.")
    comments.moderate(request.user, comment, action, timezone.now())
    labels = {"approve": _("Comment approved."), "reject": _("Comment rejected."),
              "spam": _("Comment marked as spam.")}  # fmt: skip
    messages.success(request, labels[action])
    return redirect("publishing:readers", slug=slug)


@login_required
@require_POST
def digest_schedule(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    form = _schedule_form(request, topic, request.POST)
    if not form.is_valid():
        return readers(request, slug, form=form)
    digest_settings.save_schedule(request.user, topic, **form.cleaned_data)
    messages.success(request, _("Newsletter settings saved."))
    return redirect("publishing:readers", slug=slug)
