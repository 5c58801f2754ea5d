"""Topic lifecycle."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError

from florilege.curation.models import Topic

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
            f"Languages are two-letter codes such as fr, en; not understood: {', '.join(bad)}."
        )
    return codes


def can_curate(user, topic: Topic) -> bool:
    """Until team roles exist, the owner (or a site administrator) curates a topic."""
    return bool(user.is_authenticated and (topic.owner_id == user.pk or user.is_superuser))


def require_curator(user, topic: Topic) -> None:
    """Services check permissions themselves, so no view (or script) can skip the check."""
    if not can_curate(user, topic):
        raise PermissionDenied("You do not curate this topic.")
