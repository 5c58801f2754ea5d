"""Stored sentence vectors: computed once per entry."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone

from florilege.sources.models import Entry, Source
from florilege.suggestions.models import EntryVector
from florilege.suggestions.vectors import ensure_vectors


@pytest.mark.django_db
def test_ensure_vectors_computes_missing_once():
    source = Source.objects.create(url="https://example.com/feed", title="Example")
    now = timezone.now()
    entries = [
        Entry.objects.create(source=source, key=f"k{i}", title=title, summary="<p>Lead.</p>")
        for i, title in enumerate(["Mastodon grows", "", "Le fédivers grandit"])
    ]
    first = ensure_vectors(entries, now)
    assert EntryVector.objects.count() == 3 and set(first) == {e.pk for e in entries}
    again = ensure_vectors(entries, now)
    assert EntryVector.objects.count() == 3
    assert np.allclose(first[entries[0].pk], again[entries[0].pk], atol=1e-3)
