"""What a long-lived process does once it has loaded everything it needs."""

import gc


def freeze_loaded_objects() -> None:
    """Move every object alive now (modules, settings, URL patterns, templates: hundreds of
    thousands of them in a web process) out of the garbage collector's reach.

    They live as long as the process, yet each full collection of the oldest generation
    walks them all: 0.1-0.2 s during which the process answers no request, a p99 of its
    own. Frozen, a full collection walks only what came after. The collection first
    frees what start-up left unreachable, so nothing freed is frozen with the rest."""
    gc.collect()
    gc.freeze()
