"""A web server process loads its views and freezes its start-up objects before serving."""

from __future__ import annotations

import gc

from florilege.lib import serving


def test_start_up_objects_are_frozen_out_of_the_collector_s_walk() -> None:
    try:
        frozen = serving.ready_to_serve()
        # What a full collection still walks: only objects made after this point.
        walked = len(gc.get_objects())
        # Not an equality: a frozen object freed meanwhile (by another thread of the test
        # session, say) leaves the permanent generation.
        assert 0 < gc.get_freeze_count() <= frozen
        assert frozen > 10 * walked
    finally:
        gc.unfreeze()  # the rest of the test session collects as before
