"""The Audience page of a topic (its team) and of the whole site (administrators): the
same sections as HTML with inline SVG charts, as CSV (one table at a time) and as JSON."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from florilege.analytics.report import PERIODS
from florilege.curation.services import audience as service
from florilege.curation.views.access import page_context, topic_for
from florilege.topics.models import Topic
from florilege.topics.permissions import Action


def _days(request: HttpRequest) -> int:
    raw = request.GET.get("days", "30")
    return int(raw) if raw.isdigit() and int(raw) in PERIODS else 30


def _admin(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied(_("Only site administrators see the whole site's audience."))


def _cell(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _csv(audience: service.Audience, table: str, name: str) -> HttpResponse:
    try:
        section = audience.section(table)
    except StopIteration:
        raise Http404("no such table") from None
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{name}-{table}-{audience.report.start}-{audience.report.until}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(section.headers)
    # A spreadsheet runs a cell that starts with = + - @ as a formula: titles come from
    # other sites, so such cells are quoted as text.
    for row in section.rows:
        writer.writerow(
            ["'" + v if isinstance(v, str) and v[:1] in "=+-@" else _cell(v) for v in row]
        )
    return response


def _json(audience: service.Audience, scope: str) -> JsonResponse:
    return JsonResponse(service.export(audience, scope))


def _page(request: HttpRequest, topic: Topic | None, audience: service.Audience, days: int):
    labels = {"views": _("Views"), "visitors": _("Visitors (sum of daily visitors)"),
              "clicks": _("Clicks out"), "ctr": _("Click-through rate (%)"),
              "followers": _("Followers")}  # fmt: skip
    context = {
        "headlines": [(labels[h.key], h) for h in audience.report.headlines],
        "audience": audience,
        "report": audience.report,
        "days": days,
        "periods": PERIODS,
        "site_wide": topic is None,
    }
    if topic is not None:
        context = page_context(request, topic, **context)
    return render(request, "curation/audience.html", context)


@login_required
@require_safe
def topic_audience(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    days = _days(request)
    return _page(request, topic, service.build(topic, timezone.now(), days), days)


@login_required
@require_safe
def topic_audience_json(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    return _json(service.build(topic, timezone.now(), _days(request)), topic.slug)


@login_required
@require_safe
def topic_audience_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    return _csv(service.build(topic, timezone.now(), _days(request)), table, topic.slug)


@login_required
@require_safe
def site_audience(request: HttpRequest) -> HttpResponse:
    _admin(request)
    days = _days(request)
    return _page(request, None, service.build(None, timezone.now(), days), days)


@login_required
@require_safe
def site_audience_json(request: HttpRequest) -> HttpResponse:
    _admin(request)
    return _json(service.build(None, timezone.now(), _days(request)), "site")


@login_required
@require_safe
def site_audience_csv(request: HttpRequest, table: str) -> HttpResponse:
    _admin(request)
    return _csv(service.build(None, timezone.now(), _days(request)), table, "site")
