"""Which representation a request asks for, where a page has two: HTML or ActivityPub.

A leaf module: the page cache (publishing) must not serve or store HTML for a request that
asks for ActivityPub JSON, and federation answers those requests; both ask here, so they
agree on what such a request is.
"""

from __future__ import annotations

# The two types ActivityPub names for its documents (the second with the ActivityStreams
# profile; any ld+json is taken as asking for it: no browser sends either).
ACTIVITY_TYPES = ("application/activity+json", "application/ld+json")


def wants_activity_json(accept: str) -> bool:
    """True when the ``Accept`` header asks for an ActivityPub document.

    Servers ask for ``application/activity+json`` or ``application/ld+json;
    profile="…activitystreams"``, often with ``application/json`` or ``*/*`` after them;
    a browser's Accept names neither, so presence is enough (weights are not compared).
    """
    lowered = accept.lower()
    return any(kind in lowered for kind in ACTIVITY_TYPES)
