"""Getting a web server process ready before its first request.

Python's cycle collector pauses the process now and then to look at every container object
it tracks. Its youngest generations are small and quick, but a full collection walks the
whole heap, and a serving process holds some 200,000 long-lived objects (Django, the
views, django-ninja's and pydantic's schemas) that are never garbage. Measured in the
bench-api child (docs/benchmarks.md), a full collection came every 25-30 API requests and
took 100-350 ms, so two or three of every 60 requests took several times the median: it
was the whole p95 tail on SQLite and PostgreSQL alike.

``gc.freeze()`` moves every object alive at that moment into a permanent generation the
collector no longer walks, so a full collection then only looks at what requests made:
the same bench measured pauses of 2-9 ms. Objects frozen stay freed by reference counting
as usual; only one caught in a reference cycle that later becomes garbage is not
reclaimed, and at start-up that is a few module-level objects at most.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from django.urls import get_resolver


def ready_to_serve() -> int:
    """Load what the first request would load (the URLconf imports every view module and
    builds the API's schemas), drop the garbage of start-up, then freeze what is left.
    Returns how many objects are frozen."""
    get_resolver().url_patterns  # noqa: B018 (importing the URLconf is the point)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class FreezeAfterWarmUp:
    """A WSGI wrapper that freezes once more after the process's first ``requests``
    requests: the first pages compile their templates and read their translations (some
    80,000 objects more, measured, as long-lived as the rest)."""

    def __init__(self, app: Callable[..., object], requests: int = 500) -> None:
        self.app = app
        self.left = requests

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.left > 0:
            self.left -= 1  # threads may race here: one freeze more or less is harmless
            if self.left == 0:
                # The young generations only (milliseconds): a full collection now would be
                # the very pause this avoids, in the middle of serving. What garbage the
                # oldest generation holds is frozen with the rest, once, a bounded loss.
                gc.collect(1)
                gc.freeze()
        return self.app(environ, start_response)
