from __future__ import annotations

import pytest

from florilege.publishing.cache import clear_all


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test's pictures in a folder of its own, and no page cached from another test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_all()
    return settings.MEDIA_ROOT
