"""Sentence vectors of stored entries: read the stored ones, compute and store the rest.

Its own module (not ``services``) because both story clustering and the suggestion stage
need it, and clustering is imported by the curation services that the stage calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from florilege.lib.html import html_to_text
from florilege.lib.text import embedding
from florilege.sources.models import Entry
from florilege.suggestions.models import EntryVector


def ensure_vectors(entries: Sequence[Entry], now: datetime) -> dict[int, np.ndarray]:
    """Embeddings of ``entries`` by entry id: read the stored ones, compute the missing ones
    in one batch and store them. Idempotent (a second call computes nothing)."""
    if not entries:
        return {}
    # Plain rows, not model instances (a batch reads hundreds).
    stored = {
        entry_id: embedding.from_bytes(vector)
        for entry_id, vector in EntryVector.objects.filter(
            entry_id__in=[e.pk for e in entries], encoder=embedding.ENCODER
        ).values_list("entry_id", "vector")
    }
    missing = [e for e in entries if e.pk not in stored]
    if missing:
        texts = [
            embedding.entry_text(e.title, html_to_text(e.summary or e.content, max_length=1000))
            for e in missing
        ]
        vectors = embedding.embed(texts)
        rows = [
            EntryVector(
                entry_id=e.pk,
                encoder=embedding.ENCODER,
                vector=embedding.to_bytes(v),
                created_at=now,
            )
            for e, v in zip(missing, vectors, strict=True)
        ]
        # Another worker may have stored the same entry meanwhile: same input, same vector.
        EntryVector.objects.bulk_create(rows, ignore_conflicts=True)
        stored.update({e.pk: v for e, v in zip(missing, vectors, strict=True)})
    return stored
