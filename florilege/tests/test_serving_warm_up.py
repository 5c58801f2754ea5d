"""The web process freezes once more after its warm-up, and at import (florilege.wsgi)."""

import gc

import pytest

from florilege.lib.serving import FreezeAfterWarmUp, ready_to_serve


@pytest.fixture(autouse=True)
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freezing_takes_what_is_alive_out_of_full_collections() -> None:
    kept = [[i] for i in range(1000)]  # tracked containers, alive
    ready_to_serve()
    assert gc.get_freeze_count() >= len(kept)
    assert not any(x is kept for x in gc.get_objects())


def test_the_wrapper_freezes_once_after_its_warm_up_and_passes_every_request_through() -> None:
    seen = []

    def app(environ, start_response):
        seen.append(environ["n"])
        return [b"ok"]

    wrapped = FreezeAfterWarmUp(app, requests=3)
    counts = []
    for n in range(5):
        assert wrapped({"n": n}, print) == [b"ok"]
        counts.append(gc.get_freeze_count())
        if n == 0:
            assert counts[0] == 0
    assert seen == [0, 1, 2, 3, 4]
    assert counts[0] == counts[1] == 0 and counts[2] > 0  # frozen at the third request
    assert counts[2] == counts[3] == counts[4]  # and never again


def test_the_production_module_freezes_at_import() -> None:
    import importlib

    import florilege.wsgi

    gc.unfreeze()
    importlib.reload(florilege.wsgi)
    assert gc.get_freeze_count() > 0
    assert isinstance(florilege.wsgi.application, FreezeAfterWarmUp)
