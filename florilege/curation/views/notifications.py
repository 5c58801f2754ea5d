"""Your notifications: the list, and marking them all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from florilege.curation.models import Notification
from florilege.curation.services import notify

LIST_PAGE = 30


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # by login_required; tells the type checker
    if request.method == "POST":
        notify.mark_all_read(user, timezone.now())
        return redirect("notifications")
    rows = Notification.objects.filter(recipient=user).select_related("topic")
    page = Paginator(rows, LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "curation/notifications.html", {"page": page})
