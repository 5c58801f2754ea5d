"""Sentence vectors: stored compactly, multilingual."""

from __future__ import annotations

import numpy as np

from florilege.lib.text import embedding


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
