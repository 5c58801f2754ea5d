"""Story clustering on real news: the BBC corpus's duplicate groups, one class as a stream.

The truth is built as ``make bench-dedup`` builds it (``bench/dedup.py``); the bench runs
all five classes, this test the largest share of duplicates (tech) with floors.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from florilege.testing import shared_data, skip_or_fail_without

BBC = shared_data("news", "bbc")


@pytest.mark.django_db
def test_bbc_tech_duplicate_groups_are_found_without_false_merges() -> None:
    skip_or_fail_without(BBC, "BBC news corpus")
    from bench import dedup

    docs = [d for d in dedup.load(BBC) if d.label == "tech"]
    docs = [dataclasses.replace(d, index=i) for i, d in enumerate(docs)]
    jaccard = dedup.shingle_jaccard_pairs(docs)
    near = {p for p, j in jaccard.items() if j >= dedup.NEAR_JACCARD}
    truth = dedup.pairs_of(dedup.components(len(docs), near))
    grey = {p for p, j in jaccard.items() if dedup.GREY_JACCARD <= j < dedup.NEAR_JACCARD}
    assert len(truth) >= 40  # tech holds many of the corpus's duplicates

    entries = dedup.store_entries(docs, datetime(2025, 3, 3, tzinfo=UTC))
    placed, _, _ = dedup.run_stream(entries, 200)
    by_key = {e.key: e.pk for e in entries}
    stories = [placed[by_key[f"{d.label}/{d.name}"]] for d in docs]
    result, wrong, _ = dedup.score("ours", dedup.pairs_of(stories), truth, grey, docs)
    assert result.recall >= 0.95
    assert result.precision >= 0.97
    assert len(wrong) <= 2
