"""Topic lifecycle: the lists a curator types, who curates, the topics of a user."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from florilege.topics.models import Membership, Topic
from florilege.topics.permissions import Action, can, require, role_of

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def parse_list(raw: str | list[str]) -> list[str]:
    items = raw if isinstance(raw, list) else re.split(r"[,\n]", raw or "")
    out: list[str] = []
    for item in items:
        value = " ".join(item.split())[:100]
        if value and value.casefold() not in {v.casefold() for v in out}:
            out.append(value)
    return out


def parse_languages(raw: str | list[str]) -> list[str]:
    codes = [c.lower() for c in parse_list(raw)]
    bad = [c for c in codes if not LANGUAGE_CODE.match(c)]
    if bad:
        raise ValidationError(
            _("Languages are two-letter codes such as fr, en; not understood: %(codes)s.")
            % {"codes": ", ".join(bad)}
        )
    return codes


def can_curate(user, topic: Topic) -> bool:
    """Owners and editors (and site administrators) curate: the ``curate`` action of
    ``topics/permissions.py``. Contributors and viewers do not; code that contributors may
    use checks a finer action there (``scoop_propose``, ``view_queue``)."""
    return can(user, topic, Action.CURATE)


def require_curator(user, topic: Topic) -> None:
    """Services check permissions themselves, so no view (or script) can skip the check.

    Kept for the callers written before roles: it is ``require(user, topic, "curate")``,
    i.e. editor level.
    """
    require(user, topic, Action.CURATE)


def topics_of(user) -> QuerySet[Topic]:
    """The topics a user works on, in any role."""
    # A subquery, not a join: callers annotate counts over scoops and suggestions, which a
    # join on memberships would multiply.
    joined = Membership.objects.filter(user=user).values("topic_id")
    return Topic.objects.filter(Q(owner=user) | Q(pk__in=joined))


def my_role(user, topic: Topic) -> str:
    if user.is_authenticated and user.is_superuser and role_of(user, topic) is None:
        return "administrator"
    return role_of(user, topic) or ""
