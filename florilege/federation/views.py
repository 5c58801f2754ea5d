"""ActivityPub, WebFinger, host-meta and NodeInfo endpoints; the follow box; the curator's
follower list. Thin: the work is in ``services``."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from florilege.curation.models import Scoop
from florilege.federation import activities, ids
from florilege.federation.contexts import CONTEXT
from florilege.federation.models import LocalActor
from florilege.federation.services import (
    desk,
    documents,
    following,
    hashtags,
    inbox,
    interaction,
    management,
)
from florilege.federation.services.actors import curator_actor, instance_actor, topic_actor
from florilege.federation.services.outbox import scoop_note
from florilege.lib.client import client_address
from florilege.lib.params import positive_id
from florilege.topics.models import Topic

log = logging.getLogger("florilege.federation")
AP_TYPE = activities.ACTIVITY_JSON


def _json(doc: Any, status: int = 200, content_type: str = AP_TYPE) -> JsonResponse:
    response = JsonResponse(doc, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = content_type
    response["Vary"] = "Accept, Signature"
    return response


def _headers(request: HttpRequest) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def _signed_reader(request: HttpRequest) -> bool:
    """Authorized fetch: the request is signed by a key of a non-blocked instance."""
    try:
        inbox.verify_signed("GET", request.get_full_path(), _headers(request), None, timezone.now())
    except inbox.Refused:
        return False
    return True


def _authorized(request: HttpRequest) -> bool:
    return not settings.CONFIG.FEDERATION_AUTHORIZED_FETCH or _signed_reader(request)


def _refuse_unsigned() -> JsonResponse:
    return JsonResponse(
        {"error": "This instance serves ActivityPub objects only to signed requests."},
        status=401,
    )


# --- discovery -------------------------------------------------------------------------------


@require_safe
def webfinger(request: HttpRequest) -> HttpResponse:
    resource = request.GET.get("resource", "").strip()
    if not resource:
        return HttpResponseBadRequest("The resource parameter is required.")
    doc = documents.webfinger(resource)
    if doc is None:
        raise Http404("No such account here.")
    response = _json(doc, content_type="application/jrd+json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def host_meta(request: HttpRequest) -> HttpResponse:
    template = f"{settings.BASE_URL}/.well-known/webfinger?resource={{uri}}"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/xrd+xml" template="{template}"/>\n'
        "</XRD>\n"
    )
    return HttpResponse(body, content_type="application/xrd+xml; charset=utf-8")


@require_safe
def nodeinfo_index(request: HttpRequest) -> HttpResponse:
    links = [
        {"rel": f"http://nodeinfo.diaspora.software/ns/schema/{v}",
         "href": f"{settings.BASE_URL}/nodeinfo/{v}"}
        for v in ("2.0", "2.1")
    ]  # fmt: skip
    return _json({"links": links}, content_type="application/json")


@require_safe
def nodeinfo(request: HttpRequest, version: str) -> HttpResponse:
    if version not in {"2.0", "2.1"}:
        raise Http404("Unknown NodeInfo version.")
    doc = documents.nodeinfo(version)
    profile = f"http://nodeinfo.diaspora.software/ns/schema/{version}#"
    return _json(doc, content_type=f'application/json; profile="{profile}"')


# --- actors and objects ----------------------------------------------------------------------


def _topic(slug: str) -> tuple[Topic, LocalActor]:
    topic = get_object_or_404(Topic, slug=slug, is_public=True)
    return topic, topic_actor(topic)


@require_safe
def topic_actor_view(request: HttpRequest, slug: str) -> HttpResponse:
    topic, actor = _topic(slug)
    return _json(documents.topic_document(topic, actor, minimal=not _authorized(request)))


@require_safe
def curator_actor_view(request: HttpRequest, username: str) -> HttpResponse:
    user = get_object_or_404(get_user_model(), username=username, is_active=True)
    actor = curator_actor(user)
    return _json(documents.curator_document(user, actor, minimal=not _authorized(request)))


@require_safe
def instance_actor_view(request: HttpRequest) -> HttpResponse:
    return _json(documents.instance_document(instance_actor()))


def _local(kind: str, name: str) -> LocalActor:
    if kind == "topics":
        return _topic(name)[1]
    user = get_object_or_404(get_user_model(), username=name, is_active=True)
    return curator_actor(user)


@require_safe
def outbox_view(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    if not _authorized(request):
        return _refuse_unsigned()
    return _json(documents.outbox(_local(kind, name), request.GET.get("page")))


@require_safe
def followers_view(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    if not _authorized(request):
        return _refuse_unsigned()
    return _json(documents.followers(_local(kind, name), request.GET.get("page")))


@require_safe
def following_view(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    if not _authorized(request):
        return _refuse_unsigned()
    return _json(documents.following(_local(kind, name), request.GET.get("page")))


@require_safe
def featured_view(request: HttpRequest, kind: str, name: str, collection: str) -> HttpResponse:
    if not _authorized(request):
        return _refuse_unsigned()
    return _json(documents.featured(_local(kind, name), collection))


@require_safe
def hashtag(request: HttpRequest, word: str) -> HttpResponse:
    return redirect(hashtags.hashtag_target(word))


@require_safe
def scoop_object(request: HttpRequest, pk: int) -> HttpResponse:
    scoop = get_object_or_404(Scoop.objects.visible().select_related("topic"), pk=pk)
    if "html" in request.headers.get("Accept", "") and "json" not in request.headers.get(
        "Accept", ""
    ):
        return redirect(scoop.get_absolute_url())
    return _note(request, scoop)


def scoop_document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The Note of the scoop whose page is ``/t/<slug>/s/<pk>/…`` (content negotiation)."""
    visible = Scoop.objects.visible().select_related("topic")
    return _note(request, get_object_or_404(visible, pk=pk, topic__slug=slug))


def _browser(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "html" in accept and "json" not in accept


@require_safe
def desk_note(request: HttpRequest, note: str) -> HttpResponse:
    """A reply written on the engagement desk, at its Note id: the Note for servers, and
    for a browser the scoop it is about (or the topic's page)."""
    reply = desk.sent_reply(note)
    if reply is None:
        raise Http404("No such note.")
    if _browser(request):
        scoop = reply.item.scoop
        if scoop is not None and Scoop.objects.visible().filter(pk=scoop.pk).exists():
            return redirect(scoop.get_absolute_url())
        return redirect(reply.item.topic.get_absolute_url())
    if not _authorized(request):
        return _refuse_unsigned()
    document = desk.sent_note(reply)
    if document is None:
        raise Http404("No such note.")
    return _json({"@context": CONTEXT, **document})


def _note(request: HttpRequest, scoop: Scoop) -> HttpResponse:
    if not _authorized(request):
        return _refuse_unsigned()
    return _json(scoop_note(scoop))


# --- inboxes ---------------------------------------------------------------------------------


def _receive(request: HttpRequest, local: LocalActor | None) -> HttpResponse:
    limit = settings.CONFIG.FEDERATION_INBOX_MAX_BYTES
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        # Refused before the body is read: a 10 MB activity costs us nothing.
        return JsonResponse({"error": _("This activity is too large.")}, status=413)
    body = request.read(limit + 1)
    try:
        item = inbox.receive(local, "POST", request.get_full_path(), _headers(request), body)
    except inbox.Refused as exc:
        # The detail (hosts, addresses, fetch errors) is for the log: an anonymous caller
        # learns only the status, or the inbox would probe the network for them.
        log.info("event=inbox_refused status=%s reason=%s", exc.status, exc.detail)
        return JsonResponse({"error": exc.message}, status=exc.status)
    log.info("event=inbox_stored item=%s", item.pk if item else "duplicate")
    return HttpResponse(status=202)


@csrf_exempt
@require_POST
def shared_inbox(request: HttpRequest) -> HttpResponse:
    return _receive(request, None)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def actor_inbox(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    if request.method == "GET":
        # Inboxes are write-only for others; an empty collection keeps crawlers quiet.
        return _json(activities.ordered_collection(request.build_absolute_uri(), 0, items=[]))
    local = instance_actor() if kind == "instance" else _local(kind, name)
    return _receive(request, local)


@csrf_exempt
@require_POST
def instance_inbox(request: HttpRequest) -> HttpResponse:
    return _receive(request, instance_actor())


# --- the follow box and the curator's pages --------------------------------------------------


@require_POST
@csrf_exempt  # a public form that only computes a redirect; nothing is stored
def remote_follow(request: HttpRequest, slug: str) -> HttpResponse:
    """Send the visitor to their own server's follow page, or, when it has none we can
    find, show them the account to look up there."""
    topic = get_object_or_404(Topic, slug=slug, is_public=True)
    account = f"{topic.slug}@{ids.domain()}"
    try:
        target = interaction.remote_follow_url(
            request.POST.get("instance", ""), account, visitor=client_address(request.META)
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(reverse("publishing:follow", args=[topic.slug]) + "#follow-fediverse")
    if target:
        return HttpResponseRedirect(target)
    context = {"topic": topic, "account": f"@{account}"}
    return render(request, "federation/follow_by_hand.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    try:
        if request.method == "POST":
            _manage_action(request, topic)
            return redirect("federation:manage", slug=topic.slug)
        context = management.overview(request.user, topic)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("federation:manage", slug=topic.slug)
    return render(request, "federation/manage.html", {"topic": topic, **context})


def _follower_id(request: HttpRequest) -> int:
    follower = positive_id(request.POST.get("follower", ""))
    if follower is None:
        raise ValidationError(_("This follower does not exist (any more)."))
    return follower


def _manage_action(request: HttpRequest, topic: Topic) -> None:
    action = request.POST.get("action", "")
    now = timezone.now()
    if action == "remove":
        management.remove_follower(request.user, topic, _follower_id(request), now)
        messages.success(request, _("The follower was removed."))
    elif action in {"approve", "reject"}:
        management.decide_follower(
            request.user, topic, _follower_id(request), action == "approve", now
        )
    elif action == "approval":
        management.set_approval(request.user, topic, request.POST.get("value") == "1")
    elif action == "block":
        management.block(request.user, topic, request.POST.get("target", ""), now)
        messages.success(request, _("Blocked."))
    elif action == "follow":
        following.follow_account(request.user, topic, request.POST.get("account", ""), now)
        messages.success(request, _("Follow request sent."))
    elif action == "unfollow":
        raw = request.POST.get("follow", "")
        if not raw.isdigit():
            raise ValidationError(_("This topic does not follow this account (any more)."))
        following.unfollow_account(request.user, topic, int(raw), now)
        messages.success(request, _("Unfollowed."))
    else:
        raise ValidationError(_("Unknown action."))
