"""Sentence vectors: computed once per entry, stored compactly, multilingual."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone

from florilege.sources.models import Entry, Source
from florilege.suggestions import embedding
from florilege.suggestions.models import EntryVector
from florilege.suggestions.vectors import ensure_vectors


def test_translations_are_closer_than_unrelated_texts():
    en, fr, other = embedding.embed(
        [
            "The cat sits on the mat",
            "Le chat est assis sur le tapis",
            "Stock markets fell sharply",
        ]
    )
    assert float(en @ fr) > 0.6 > float(en @ other) + 0.3
    assert np.allclose(np.linalg.norm(en), 1.0, atol=1e-4)


def test_empty_text_is_the_zero_vector_and_round_trip_keeps_cosines():
    vectors = embedding.embed(["", "Une réforme des retraites"])
    assert not vectors[0].any()
    back = embedding.from_bytes(embedding.to_bytes(vectors[1]))
    assert abs(float(back @ vectors[1]) - 1.0) < 1e-3


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
