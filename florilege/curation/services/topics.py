"""Topic lifecycle."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from florilege.curation.models import Topic
from florilege.curation.permissions import Action, can, require

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
    ``curation/permissions.py``. Contributors and viewers do not; code that contributors may
    use checks a finer action there (``scoop_propose``, ``view_queue``)."""
    return can(user, topic, Action.CURATE)


def require_curator(user, topic: Topic) -> None:
    """Services check permissions themselves, so no view (or script) can skip the check.

    Kept for the callers written before roles: it is ``require(user, topic, "curate")``,
    i.e. editor level.
    """
    require(user, topic, Action.CURATE)
