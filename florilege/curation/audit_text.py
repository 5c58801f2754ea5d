"""An audit record as a sentence, in the reader's language: "Alice published *Title*".

Pure: the record's stored fields, the link to its object (None when the object is gone or
has no page) and the topic's time zone in, safe HTML out. The services record a short code
(``source_added``) and a few details; this module is the one place that says them in
words, so a code without a sentence here is caught by a test that reads every
``audit.record`` call of the code base.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from florilege.curation.dates import show_date
from florilege.curation.models.desk import DeskItem
from florilege.curation.models.scoop import ScoopStatus
from florilege.topics.models import Role

WEEKDAY_NAMES = (
    gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"), gettext_lazy("Friday"), gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)  # fmt: skip
SCOOP_FIELDS = {
    "title": gettext_lazy("title"),
    "excerpt": gettext_lazy("excerpt"),
    "insight": gettext_lazy("insight"),
    "tags": gettext_lazy("tags"),
}

# A topic's settings as the settings page names them (curation.services.topics).
SETTING_NAMES = {
    "title": gettext_lazy("title"),
    "slug": gettext_lazy("address"),
    "description": gettext_lazy("description"),
    "languages": gettext_lazy("languages"),
    "keywords": gettext_lazy("keywords"),
    "accent_color": gettext_lazy("accent colour"),
    "header_image_url": gettext_lazy("header image"),
    "time_zone": gettext_lazy("time zone"),
    "slot_weekdays": gettext_lazy("publishing days"),
    "slot_times": gettext_lazy("publishing times"),
}


class Record(Protocol):
    """What a sentence needs of an ``AuditEvent`` (a plain object in tests)."""

    actor_name: str
    action: str
    object_type: str
    object_repr: str
    details: dict[str, Any]
    at: datetime


# A sentence's template (translated, with %(name)s slots) and the slots' extra values.
Phrase = Callable[[Record, str], tuple[str, dict[str, Any]]]


def _status(value: Any) -> str:
    try:
        return str(ScoopStatus(value).label).lower()
    except ValueError:
        return str(value)


def _role(value: Any) -> str:
    try:
        return str(Role(value).label).lower()
    except ValueError:
        return str(value)


def _when(value: Any, zone: str) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return show_date(moment, zone).text


def _scooped(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    status = r.details.get("status", "")
    if status == ScoopStatus.PUBLISHED:
        return _("%(actor)s scooped and published %(object)s"), {}
    if status == ScoopStatus.AWAITING:
        return _("%(actor)s scooped %(object)s and proposed it for approval"), {}
    if status == ScoopStatus.SCHEDULED:
        return _("%(actor)s scooped %(object)s for later publication"), {}
    if status:
        return _("%(actor)s scooped %(object)s (status: %(status)s)"), {"status": _status(status)}
    return _("%(actor)s scooped %(object)s"), {}


def _approved(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    status, at = r.details.get("status", ""), r.details.get("at", "")
    if status == ScoopStatus.SCHEDULED and at:
        return _("%(actor)s approved %(object)s, to be published on %(when)s"), {
            "when": _when(at, zone)
        }
    return _("%(actor)s approved and published %(object)s"), {}


def _published(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    return _("%(actor)s published %(object)s"), {}


def _scheduled(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    at = r.details.get("at", "")
    if at:
        return _("%(actor)s scheduled %(object)s for %(when)s"), {"when": _when(at, zone)}
    return _("%(actor)s scheduled %(object)s"), {}


def _returned(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    comment = r.details.get("comment", "")
    if comment:
        return _("%(actor)s sent %(object)s back to its author: “%(comment)s”"), {
            "comment": comment
        }
    return _("%(actor)s sent %(object)s back to its author"), {}


def _edited(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    fields = [str(SCOOP_FIELDS.get(f, f)) for f in r.details.get("fields", []) or []]
    if fields:
        return _("%(actor)s edited the %(fields)s of %(object)s"), {"fields": ", ".join(fields)}
    return _("%(actor)s edited %(object)s"), {}


def _deleted(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    status = r.details.get("status", "")
    if status:
        return _("%(actor)s deleted the scoop %(object)s (it was %(status)s)"), {
            "status": _status(status)
        }
    return _("%(actor)s deleted the scoop %(object)s"), {}


def _schedule_changed(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    days = ", ".join(
        str(WEEKDAY_NAMES[d]) for d in r.details.get("weekdays", []) or [] if d in range(7)
    )
    times = ", ".join(r.details.get("times", []) or [])
    return _(
        "%(actor)s changed the publishing schedule: time zone %(zone)s, days %(days)s, "
        "times %(times)s"
    ), {"zone": r.details.get("time_zone", ""), "days": days or "—", "times": times or "—"}


def _invited(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    role, email = _role(r.details.get("role", "")), r.details.get("email", "")
    if email:
        return _("%(actor)s invited %(email)s as %(role)s"), {"email": email, "role": role}
    return _("%(actor)s created an invitation link for the role of %(role)s"), {"role": role}


def _joined(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    return _("%(actor)s joined the team as %(role)s"), {"role": _role(r.details.get("role"))}


def _role_changed(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    return _("%(actor)s changed the role of %(user)s from %(before)s to %(after)s"), {
        "user": r.details.get("user", ""),
        "before": _role(r.details.get("before", "")),
        "after": _role(r.details.get("after", "")),
    }


def _member_removed(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    return _("%(actor)s removed %(user)s (%(role)s) from the team"), {
        "user": r.details.get("user", ""),
        "role": _role(r.details.get("role", "")),
    }


def _settings_changed(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    fields = ", ".join(str(SETTING_NAMES.get(f, f)) for f in r.details.get("fields", []) or [])
    return _("%(actor)s changed the topic's settings (%(fields)s)"), {"fields": fields or "—"}


def _visibility(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    if r.details.get("public"):
        return _("%(actor)s made the topic public"), {}
    return _("%(actor)s made the topic private"), {}


def _desk_item(r: Record) -> str:
    """The feedback an item stands for: "the site comment from Zoé"."""
    kind = r.details.get("kind", "")
    label = str(DeskItem.Kind(kind).label) if kind in DeskItem.Kind.values else _("feedback")
    author = r.details.get("author", "")
    if author:
        return _("%(kind)s from %(author)s") % {"kind": label, "author": author}
    return label


def _desk_status(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    status = r.details.get("status", "")
    label = DeskItem.Status(status).label if status in DeskItem.Status.values else status
    return _("%(actor)s marked “%(item)s” as %(status)s"), {
        "item": _desk_item(r),
        "status": str(label).lower(),
    }


def _desk_assigned(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    if r.details.get("assignee"):
        return _("%(actor)s gave “%(item)s” to %(assignee)s"), {
            "item": _desk_item(r), "assignee": r.details["assignee"]}  # fmt: skip
    return _("%(actor)s unassigned “%(item)s”"), {"item": _desk_item(r)}


def _desk_flagged(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    if r.details.get("flagged"):
        return _("%(actor)s flagged “%(item)s” for attention"), {"item": _desk_item(r)}
    return _("%(actor)s cleared the attention flag of “%(item)s”"), {"item": _desk_item(r)}


def _desk_noted(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    return _("%(actor)s wrote an internal note on “%(item)s”"), {"item": _desk_item(r)}


def _desk_replied(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
    if r.details.get("channel") == "fediverse":
        return _("%(actor)s answered “%(item)s” on the fediverse"), {"item": _desk_item(r)}
    return _("%(actor)s answered “%(item)s” on the site"), {"item": _desk_item(r)}


def _simple(template: str) -> Phrase:
    def phrase(r: Record, zone: str) -> tuple[str, dict[str, Any]]:
        return _(template), {}

    return phrase


# Every code a service records. The msgids of the _simple ones are marked just below.
PHRASES: dict[str, Phrase] = {
    "source_added": _simple("%(actor)s added the source %(object)s"),
    "source_removed": _simple("%(actor)s removed the source %(object)s"),
    "scooped": _scooped,
    "approved": _approved,
    "returned": _returned,
    "proposed": _simple("%(actor)s proposed %(object)s for approval"),
    "published": _published,
    "scheduled": _scheduled,
    "unpublished": _simple("%(actor)s unpublished %(object)s"),
    "pinned": _simple("%(actor)s pinned %(object)s to the top of the topic page"),
    "unpinned": _simple("%(actor)s unpinned %(object)s"),
    "edited": _edited,
    "deleted": _deleted,
    "schedule_changed": _schedule_changed,
    "invited": _invited,
    "joined": _joined,
    "invitation_revoked": _simple("%(actor)s revoked an invitation"),
    "role_changed": _role_changed,
    "member_removed": _member_removed,
    "topic_settings_changed": _settings_changed,
    "visibility_changed": _visibility,
    "topic_deleted": _simple("%(actor)s deleted the topic %(object)s"),
    "webhook_added": _simple("%(actor)s added a webhook to %(object)s"),
    "webhook_removed": _simple("%(actor)s removed the webhook to %(object)s"),
    "desk_status": _desk_status,
    "desk_assigned": _desk_assigned,
    "desk_flagged": _desk_flagged,
    "desk_noted": _desk_noted,
    "desk_replied": _desk_replied,
}
# For the message catalogue: the templates _simple translates at render time.
_MARKED = (
    gettext_lazy("%(actor)s added the source %(object)s"),
    gettext_lazy("%(actor)s removed the source %(object)s"),
    gettext_lazy("%(actor)s proposed %(object)s for approval"),
    gettext_lazy("%(actor)s unpublished %(object)s"),
    gettext_lazy("%(actor)s pinned %(object)s to the top of the topic page"),
    gettext_lazy("%(actor)s unpinned %(object)s"),
    gettext_lazy("%(actor)s revoked an invitation"),
    gettext_lazy("%(actor)s deleted the topic %(object)s"),
    gettext_lazy("%(actor)s added a webhook to %(object)s"),
    gettext_lazy("%(actor)s removed the webhook to %(object)s"),
)


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def object_name(record: Record) -> str:
    """What the sentence calls the object: a source with its site ("Le Monde —
    lemonde.fr", since two sources may share a name), a deleted scoop by its title."""
    name = record.object_repr or record.details.get("title", "")
    if record.object_type == "source":
        host = _host(record.details.get("url", ""))
        if host and host not in name:
            name = f"{name} — {host}" if name else host
    return name or "—"


def describe(record: Record, link: str | None = None, zone: str = "UTC") -> SafeString:
    """The record as a sentence of safe HTML: the actor in bold, the object in <cite>,
    linked to ``link`` when it still exists. Unknown codes still read as a sentence."""
    actor = record.actor_name or _("The system")
    name = object_name(record)
    if link:
        obj = format_html('<cite><a href="{}">{}</a></cite>', link, name)
    else:
        obj = format_html("<cite>{}</cite>", name)
    phrase = PHRASES.get(record.action)
    if phrase is None:
        template, extra = _("%(actor)s: %(action)s on %(object)s"), {"action": record.action}
    else:
        template, extra = phrase(record, zone)
    values = {k: conditional_escape(v) for k, v in extra.items()}
    values["actor"] = format_html("<strong>{}</strong>", actor)
    values["object"] = obj
    return mark_safe(conditional_escape(template) % values)
