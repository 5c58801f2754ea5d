"""Who may do what on a topic: one explicit table, role -> actions.

Every service calls :func:`require` (or ``require_curator``) before it changes anything, so
no view, script or endpoint can skip the check; templates only use :func:`can` to hide
buttons.

Roles: the topic's ``owner`` field (the owner of record) is an owner; other users get their
role from a :class:`~florilege.topics.models.Membership`. A **site administrator** is
a superuser (``is_superuser``) and may do everything on every topic. ``is_staff`` alone is
not enough: Django gives it to people who may open the admin for chores, and we do not
want that flag to grant editorial power silently.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from florilege.topics.models import Membership, Role


class Action:
    VIEW_QUEUE = "view_queue"  # see the suggestion queue, the review queue and the scoops
    SCOOP_PROPOSE = "scoop_propose"  # scoop from the queue or a URL, for approval
    PUBLISH = "publish"  # publish now, at a time, or in the slot queue; republish
    APPROVE = "approve"  # approve or send back a proposal
    EDIT_SCOOP = "edit_scoop"  # edit anyone's scoop (a contributor edits their own drafts)
    UNPUBLISH = "unpublish"
    DELETE_SCOOP = "delete_scoop"
    DISCARD = "discard"  # take a suggestion off the queue without scooping it
    CURATE = "curate"  # what ``require_curator`` checks: the editor's everyday work
    MANAGE_SOURCES = "manage_sources"
    MANAGE_MEMBERS = "manage_members"  # invite, change roles, remove
    MANAGE_TOPIC = "manage_topic"  # title, languages, keywords, schedule
    VIEW_AUDIT = "view_audit"
    MODERATE = "moderate"  # reader comments and suggestions
    DELETE_TOPIC = "delete_topic"  # delete the topic and what belongs only to it
    DESK_NOTE = "desk_note"  # write internal notes on the engagement desk's items
    DESK_WORK = "desk_work"  # the desk: status, assignee, attention flag, replies

    ALL = frozenset(
        {
            VIEW_QUEUE, SCOOP_PROPOSE, PUBLISH, APPROVE, EDIT_SCOOP, UNPUBLISH, DELETE_SCOOP,
            DISCARD, CURATE, MANAGE_SOURCES, MANAGE_MEMBERS, MANAGE_TOPIC, VIEW_AUDIT, MODERATE,
            DELETE_TOPIC, DESK_NOTE, DESK_WORK,
        }
    )  # fmt: skip


_VIEWER = frozenset({Action.VIEW_QUEUE})
_CONTRIBUTOR = _VIEWER | {Action.SCOOP_PROPOSE, Action.DESK_NOTE}
_EDITOR = _CONTRIBUTOR | {
    Action.PUBLISH,
    Action.APPROVE,
    Action.EDIT_SCOOP,
    Action.UNPUBLISH,
    Action.DELETE_SCOOP,
    Action.DISCARD,
    Action.CURATE,
    Action.MANAGE_SOURCES,
    Action.MODERATE,
    Action.DESK_WORK,
}
_OWNER = _EDITOR | {
    Action.MANAGE_MEMBERS,
    Action.MANAGE_TOPIC,
    Action.VIEW_AUDIT,
    Action.DELETE_TOPIC,
}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(_OWNER),
    Role.EDITOR: frozenset(_EDITOR),
    Role.CONTRIBUTOR: frozenset(_CONTRIBUTOR),
    Role.VIEWER: _VIEWER,
}
assert all(actions <= Action.ALL for actions in ROLE_ACTIONS.values())

_DENIED = {
    Action.VIEW_QUEUE: _("You are not a member of this topic."),
    Action.SCOOP_PROPOSE: _("Only contributors, editors and owners scoop in this topic."),
    Action.PUBLISH: _("Only editors and owners publish. Propose the scoop for approval instead."),
    Action.APPROVE: _("Only editors and owners approve or send back proposals."),
    Action.EDIT_SCOOP: _("Only editors and owners edit this scoop."),
    Action.UNPUBLISH: _("Only editors and owners unpublish scoops."),
    Action.DELETE_SCOOP: _("Only editors and owners delete scoops."),
    Action.DISCARD: _("Only editors and owners discard suggestions."),
    Action.CURATE: _("You do not curate this topic."),
    Action.MANAGE_SOURCES: _("Only editors and owners manage the sources."),
    Action.MANAGE_MEMBERS: _("Only owners manage the team."),
    Action.MANAGE_TOPIC: _("Only owners change the topic's settings."),
    Action.VIEW_AUDIT: _("Only owners see the audit log."),
    Action.MODERATE: _("Only editors and owners moderate."),
    Action.DELETE_TOPIC: _("Only owners delete the topic."),
    Action.DESK_NOTE: _("Only contributors, editors and owners write notes on the desk."),
    Action.DESK_WORK: _("Only editors and owners work the desk's items and reply."),
}


def is_site_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def role_of(user, topic) -> str | None:
    """The user's role on the topic, or None. One query unless the role was cached on the
    user for this topic (views ask several times per request)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if topic.owner_id == user.pk:
        return Role.OWNER
    cache = user.__dict__.setdefault("_topic_roles", {})
    if topic.pk not in cache:
        cache[topic.pk] = (
            Membership.objects.filter(topic_id=topic.pk, user_id=user.pk)
            .values_list("role", flat=True)
            .first()
        )
    return cache[topic.pk]


def forget_roles(user) -> None:
    """Drop the roles cached on ``user`` (after a role change in the same request)."""
    user.__dict__.pop("_topic_roles", None)


def actions_for(user, topic) -> frozenset[str]:
    if is_site_admin(user):
        return Action.ALL
    role = role_of(user, topic)
    return ROLE_ACTIONS.get(role, frozenset()) if role else frozenset()


def can(user, topic, action: str) -> bool:
    if action not in Action.ALL:
        raise ValueError(f"unknown action {action!r}")
    return action in actions_for(user, topic)


def require(user, topic, action: str) -> None:
    """Raise PermissionDenied, with a message the user can act on, unless allowed."""
    if not can(user, topic, action):
        raise PermissionDenied(str(_DENIED[action]))
