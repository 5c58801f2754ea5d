"""The engagement desk: a topic's feedback inbox, the same across all of a member's topics,
one item's page (notes, replies), and the member's notification preference.

Every action is a plain form post that redirects back (JavaScript off); ``desk.js`` posts
the status buttons with fetch and replaces the row with the fragment answered here.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from florilege.curation.models import DeskItem
from florilege.curation.services import desk
from florilege.curation.views.access import page_context, topic_for
from florilege.curation.views.queue import wants_fragment
from florilege.lib.params import positive_id
from florilege.topics.permissions import Action

DESK_PAGE = 30
FILTERS = ("open", "attention", "new", "in_progress", "done", "all")
ACTIONS = ("status", "assign", "attention", "note", "reply")


def _filter(request: HttpRequest) -> str:
    value = request.GET.get("status", "open")
    return value if value in FILTERS else "open"


def _items(request: HttpRequest, topic=None):
    shown = _filter(request)
    status = "open" if shown == "attention" else shown
    items = desk.inbox(request.user, topic, status=status, attention=shown == "attention")
    return shown, Paginator(items, DESK_PAGE).get_page(request.GET.get("page"))


@login_required
def desk_topic(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    shown, page = _items(request, topic)
    context = page_context(request, topic, page=page, status=shown, filters=_filter_links())
    return render(request, "curation/desk.html", context)


@login_required
def desk_all(request: HttpRequest) -> HttpResponse:
    shown, page = _items(request)
    context = {"page": page, "status": shown, "filters": _filter_links(), "across": True}
    return render(request, "curation/desk.html", context)


def _filter_links() -> list[tuple[str, str]]:
    return [
        ("open", _("Open")),
        ("attention", _("Needs attention")),
        ("new", _("New")),
        ("in_progress", _("In progress")),
        ("done", _("Done")),
        ("all", _("All")),
    ]


def _item(request: HttpRequest, slug: str, item_id: int) -> DeskItem:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    return get_object_or_404(
        DeskItem.objects.select_related("topic", "scoop", "assignee"), pk=item_id, topic=topic
    )


@login_required
def desk_item(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    item = _item(request, slug, item_id)
    context = page_context(
        request,
        item.topic,
        item=item,
        notes=item.notes.select_related("author"),
        replies=item.replies.select_related("author"),
        assignable=desk.assignable(item.topic),
        statuses=DeskItem.Status.choices,
    )
    return render(request, "curation/desk_item.html", context)


@login_required
@require_POST
def desk_action(request: HttpRequest, slug: str, item_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("no such action")
    item = _item(request, slug, item_id)
    now = timezone.now()
    try:
        _apply(request, item, action, now)
    except ValidationError as exc:
        text = " ".join(exc.messages)
        if wants_fragment(request):
            return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, text)
    except ValueError as exc:  # a channel could not send (the original is gone)
        messages.error(request, _("The reply could not be sent: %(why)s") % {"why": exc})
    if wants_fragment(request):
        item = desk.inbox(request.user, item.topic, status="all").get(pk=item.pk)
        context = {"i": item, "across": request.POST.get("back") == "all"}
        return render(request, "curation/_desk_row.html", context)
    back = request.POST.get("back", "")
    if back == "list":
        return redirect(reverse("curation:desk", args=[slug]) + f"#d-{item.pk}")
    if back == "all":
        return redirect(reverse("curation:desk_all") + f"#d-{item.pk}")
    return redirect("curation:desk_item", slug, item.pk)


def _apply(request: HttpRequest, item: DeskItem, action: str, now) -> None:
    post = request.POST
    user = request.user
    if action == "status":
        desk.set_status(user, item, post.get("status", ""), now)
    elif action == "assign":
        raw = post.get("assignee", "")
        assignee = positive_id(raw) if raw else None
        if raw and assignee is None:
            raise ValidationError(_("Assign the item to a member who works the desk."))
        desk.assign(user, item, assignee, now)
    elif action == "attention":
        desk.set_attention(user, item, post.get("flag") == "1", now)
    elif action == "note":
        desk.add_note(user, item, post.get("text", ""), now)
        messages.success(request, _("Note added."))
    else:
        desk.reply(user, item, post.get("channel", ""), post.get("text", ""), now)
        messages.success(request, _("Reply sent."))


@login_required
def desk_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        desk.set_preference(
            request.user,
            in_app=request.POST.get("in_app") == "1",
            email_digest=request.POST.get("email_digest") == "1",
        )
        messages.success(request, _("Your desk notifications are saved."))
        return redirect("curation:desk_preferences")
    context = {"preference": desk.preference(request.user)}
    return render(request, "curation/desk_preferences.html", context)
