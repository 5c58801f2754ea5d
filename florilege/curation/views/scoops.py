"""A topic's scoops after they are made: the review queue of proposals, scoops by state,
editing with history, and the actions (approve, send back, publish, submit, unpublish,
delete). Thin: services decide and check roles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from florilege.curation.dates import show_date
from florilege.curation.forms.publication import PlanForm, ReturnForm, ScoopEditForm
from florilege.curation.models import Scoop, ScoopStatus
from florilege.curation.services import audience, publication
from florilege.curation.services.scooping import clean_tags
from florilege.curation.views.access import page_context, topic_for
from florilege.lib.params import local_path
from florilege.topics.models import Topic
from florilege.topics.permissions import Action, can

LIST_PAGE = 30
# The tabs of the scoops list: what readers see first, then what is on its way.
TAB_ORDER = [
    (status, ScoopStatus(status).label)
    for status in (
        ScoopStatus.PUBLISHED,
        ScoopStatus.SCHEDULED,
        ScoopStatus.AWAITING,
        ScoopStatus.DRAFT,
        ScoopStatus.UNPUBLISHED,
    )
]


def _scoop(topic: Topic, pk: int) -> Scoop:
    return get_object_or_404(
        Scoop.objects.select_related("topic", "curator", "picture"), pk=pk, topic=topic
    )


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
def review(request: HttpRequest, slug: str) -> HttpResponse:
    """Proposals waiting for an editor, oldest first."""
    topic = get_object_or_404(Topic, slug=slug)
    waiting = publication.review_queue(topic, request.user)
    page = Paginator(waiting, LIST_PAGE).get_page(request.GET.get("page"))
    approve_form = PlanForm(topic=topic, user=request.user, approving=True)
    context = page_context(
        request, topic, page=page, approve_form=approve_form, return_form=ReturnForm()
    )
    return render(request, "curation/review.html", context)


@login_required
def scoops(request: HttpRequest, slug: str) -> HttpResponse:
    """The topic's scoops in one state, published first: drafts are kept here, scheduled
    ones wait here; each tab says how many it holds."""
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    status = request.GET.get("status", ScoopStatus.PUBLISHED)
    if status not in ScoopStatus.values:
        status = ScoopStatus.PUBLISHED
    rows = Scoop.objects.filter(topic=topic, status=status).select_related("curator", "topic")
    order = ("published_at", "id") if status == ScoopStatus.SCHEDULED else ("-updated_at", "-id")
    if status == ScoopStatus.PUBLISHED:
        order = ("-published_at", "-id")
    page = Paginator(rows.order_by(*order), LIST_PAGE).get_page(request.GET.get("page"))
    counts = publication.state_counts(topic)
    tabs = [(value, label, counts[value]) for value, label in TAB_ORDER]
    context = page_context(request, topic, page=page, status=status, tabs=tabs)
    return render(request, "curation/scoops.html", context)


@login_required
def scoop_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    scoop = _scoop(topic, pk)
    initial = {
        "title": scoop.title,
        "excerpt": scoop.excerpt,
        "insight": scoop.insight,
        "tags": ", ".join(scoop.tags),
    }
    form = ScoopEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = publication.ScoopEdit(
            data["title"], data["excerpt"], data["insight"], clean_tags(data["tags"])
        )
        try:
            publication.edit(scoop, request.user, changes, timezone.now())
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Scoop saved; the previous version is in its history."))
            return redirect("curation:scoop_edit", slug=topic.slug, pk=scoop.pk)
    context = page_context(
        request,
        topic,
        scoop=scoop,
        form=form,
        may_edit=publication.may_edit(scoop, request.user),
        revisions=scoop.revisions.select_related("editor")[:50],
        plan_form=PlanForm(topic=topic, user=request.user, approving=True),
        return_form=ReturnForm(),
        # Its figures, for those who may edit any scoop (editors and up).
        figures=audience.scoop_panel(scoop)
        if can(request.user, topic, Action.EDIT_SCOOP)
        else None,
    )
    return render(request, "curation/scoop_edit.html", context)


@login_required
@require_POST
def scoop_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """approve, return, publish, submit, unpublish, delete, pin, unpin. The service checks
    the role: a contributor posting to publish is refused (403, with the reason) and nothing
    changes. The answer goes back to the page the form was on (``back``, a path on this
    site), unless that page no longer shows the scoop."""
    topic = get_object_or_404(Topic, slug=slug)
    scoop = _scoop(topic, pk)
    target = local_path(request.POST.get("back"), reverse("curation:review", args=[slug]))
    try:
        done = _act(request, scoop, action)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if done is None:
            return HttpResponse(status=404)
        messages.success(request, done)
        target = _after(target, scoop, action)
    return redirect(target)


def _act(request: HttpRequest, scoop: Scoop, action: str) -> str | None:
    """Run ``action``; the message to show, or None for an unknown action."""
    user, now, topic = request.user, timezone.now(), scoop.topic
    if action in {"approve", "publish"}:
        form = PlanForm(request.POST, topic=topic, user=user, approving=True)
        if not form.is_valid():
            raise ValidationError([m for errs in form.errors.values() for m in errs])
        if action == "approve":
            publication.approve(scoop, user, now, form.plan())
        else:
            publication.publish(scoop, user, now, form.plan())
        return _published_message(scoop)
    if action == "return":
        publication.send_back(scoop, user, request.POST.get("comment", ""), now)
        return _("Sent back to %(user)s with your comment.") % {"user": scoop.curator}
    if action == "submit":
        publication.submit(scoop, user, now)
        return _("Proposed for approval; the editors are notified.")
    if action == "unpublish":
        publication.unpublish(scoop, user, now)
        return _("Unpublished: it is no longer on the public page or in the feeds.")
    if action == "delete":
        publication.delete(scoop, user, now)
        return _("Scoop deleted.")
    if action in {"pin", "unpin"}:
        publication.pin(scoop, user, now, pinned=action == "pin")
        if action == "pin":
            return _("Pinned: it stays at the top of the topic page.")
        return _("Unpinned: it takes its place by date again.")
    return None


def _after(target: str, scoop: Scoop, action: str) -> str:
    """Where to go once ``action`` is done: back where the form was, except to a page that
    no longer shows the scoop (its public page once unpublished, its edit page once
    deleted): then the list of scoops in the state it is now in."""
    slug = scoop.topic.slug
    public = target.split("?")[0].split("#")[0] == scoop.get_absolute_url()
    gone = (action == "delete" and (public or f"/scoops/{scoop.pk}/" in target)) or (
        action == "unpublish" and public
    )
    if not gone:
        return target
    listing = reverse("curation:scoops", args=[slug])
    return listing if action == "delete" else f"{listing}?status={scoop.status}"


def _published_message(scoop: Scoop) -> str:
    if scoop.status == ScoopStatus.PUBLISHED:
        return _("Published: it is on the topic page.")
    when = show_date(scoop.published_at or timezone.now(), scoop.topic.time_zone).text
    return _("Scheduled for %(when)s (%(zone)s).") % {
        "when": when,
        "zone": scoop.topic.time_zone,
    }
