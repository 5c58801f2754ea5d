"""Daily figures that live in higher apps' own tables (email followers, fediverse likes,
digest sends…): each app registers a function here, in its ``audience`` module, and the
rollup calls it for each day it rolls up. The analytics app never imports those apps.

A contributor returns ``(topic_id, kind, key, value)`` rows for the day ``[start, end)``;
followers are a snapshot (the count at the day's end), the rest counts of that day's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

Row = tuple[int, str, str, int]
Contributor = Callable[[datetime, datetime], Iterable[Row]]

_CONTRIBUTORS: dict[str, Contributor] = {}


def register(name: str, contributor: Contributor) -> Contributor:
    _CONTRIBUTORS[name] = contributor
    return contributor


def all_contributors() -> dict[str, Contributor]:
    return dict(_CONTRIBUTORS)
