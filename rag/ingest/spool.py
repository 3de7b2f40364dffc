"""What a streaming build accumulates, kept compact or on disk: vectors, cache keys, BM25 term ids.

A build reads one document at a time (sources.DocumentStream). What it must keep for
the whole corpus goes here: vectors and their cache keys are appended to files in the
build directory, and BM25 keeps each passage's terms as integer ids rather than strings.
The embedding cache of the previous build is searched through sorted binary keys and
memory-mapped vectors instead of a dict of arrays.
"""

from __future__ import annotations

import hashlib
import shutil
from array import array
from pathlib import Path

import numpy as np

KEY_BYTES = 20  # sha1 digests


def digest(text: str) -> bytes:
    """The cache key of an embedded text (sha1 of its UTF-8 bytes)."""
    return hashlib.sha1(text.encode("utf-8")).digest()


class RowSpool:
    """Rows of one dtype and width appended to a file, then written as one .npy file."""

    def __init__(self, path: Path, dtype: str, width: int | None = None):
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.width = width
        self.rows = 0
        self._fh = open(self.path, "wb")

    def append(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype=self.dtype)
        if rows.ndim == 2:
            if self.width is None:
                self.width = rows.shape[1]
            elif rows.shape[1] != self.width:
                raise ValueError(f"rows of width {rows.shape[1]} appended to a spool of width {self.width}")
        self._fh.write(rows.tobytes())
        self.rows += len(rows)

    def save(self, target: Path) -> None:
        """Write the rows to ``target`` as .npy and delete the spool file.

        Copied with plain file reads and writes, not a memory map, so the copy does not
        count against the process's resident memory.
        """
        self._fh.close()
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": self.shape}
        with open(target, "wb") as out, open(self.path, "rb") as src:
            np.lib.format.write_array_header_2_0(out, header)
            shutil.copyfileobj(src, out, 1 << 20)
        self.path.unlink()

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.rows,) if self.width is None else (self.rows, self.width)

    def chunks(self, rows: int):
        """The rows so far, ``rows`` at a time, read from the file (not memory-mapped)."""
        self._fh.flush()
        with open(self.path, "rb") as fh:
            for start in range(0, self.rows, rows):
                count = min(rows, self.rows - start)
                yield np.fromfile(fh, dtype=self.dtype, count=count * (self.width or 1)).reshape(
                    (count, *self.shape[1:])
                )

    def take(self, rows: np.ndarray, chunk: int = 8192) -> np.ndarray:
        """The given rows (sorted row numbers), read from the file a chunk at a time."""
        rows = np.asarray(rows)
        parts, start = [], 0
        for block in self.chunks(chunk):
            lo, hi = np.searchsorted(rows, [start, start + len(block)])
            parts.append(block[rows[lo:hi] - start])
            start += len(block)
        return np.concatenate(parts) if parts else np.zeros((0, *self.shape[1:]), dtype=self.dtype)

    def load(self) -> np.ndarray:
        """The rows so far, memory-mapped from the spool file (read-only)."""
        self._fh.flush()
        if not self.rows:
            return np.zeros(self.shape, dtype=self.dtype)
        return np.memmap(self.path, dtype=self.dtype, mode="r", shape=self.shape)

    def discard(self) -> None:
        """Close and delete the spool file."""
        self._fh.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        self._fh.close()


class TermIds:
    """BM25 terms of every passage as integer ids, with each term's document frequency."""

    def __init__(self):
        self.vocab: dict[str, int] = {}
        self.ids: list[array] = []  # 4 bytes a term, not a list's 8-byte pointer
        self._df: list[int] = []

    def add(self, passage_terms: list[str]) -> None:
        ids = []
        for t in passage_terms or ["\x00empty"]:  # bm25s needs a token in every passage
            i = self.vocab.get(t)
            if i is None:
                i = self.vocab[t] = len(self.vocab)
                self._df.append(0)
            ids.append(i)
        if passage_terms:
            for i in set(ids):
                self._df[i] += 1
        self.ids.append(array("i", ids))

    def df(self) -> dict[str, int]:
        """Passages containing each term (term_df.json)."""
        return {t: self._df[i] for t, i in self.vocab.items() if self._df[i]}

    def bm25(self):
        """A bm25s index over the passages."""
        import bm25s
        from bm25s.tokenization import Tokenized

        bm25 = bm25s.BM25()
        bm25.index(
            Tokenized(ids=self.ids, vocab=dict(self.vocab)), show_progress=False
        )  # bm25s adds "" to the vocab it gets
        return bm25


class VectorCache:
    """Vectors of a previous build, looked up by cache key.

    ``keys`` (n,) of dtype S20 and ``vectors`` (n, dim) row for row; ``vectors`` may be
    a list of arrays (passages in memory, sentences memory-mapped) read as one.
    """

    def __init__(self, keys: list[np.ndarray], vectors: list[np.ndarray]):
        self._parts = [v for v in vectors if len(v)]
        self._starts = np.cumsum([0] + [len(v) for v in self._parts])
        all_keys = np.concatenate(keys) if keys else np.zeros(0, dtype=f"S{KEY_BYTES}")
        self._order = np.argsort(all_keys, kind="stable")
        self._sorted = all_keys[self._order]
        self.dim = int(self._parts[0].shape[1]) if self._parts else None

    @classmethod
    def empty(cls) -> VectorCache:
        return cls([], [])

    def __len__(self) -> int:
        return len(self._sorted)

    def rows(self, keys: list[bytes]) -> np.ndarray:
        """Row of each key in the cache, -1 where it is not cached."""
        if not len(self._sorted) or not keys:
            return np.full(len(keys), -1, dtype=np.int64)
        q = np.array(keys, dtype=f"S{KEY_BYTES}")
        pos = np.searchsorted(self._sorted, q)
        found = self._sorted[np.minimum(pos, len(self._sorted) - 1)] == q
        return np.where(found & (pos < len(self._sorted)), self._order[np.minimum(pos, len(self._order) - 1)], -1)

    def vector(self, row: int) -> np.ndarray:
        part = int(np.searchsorted(self._starts, row, side="right")) - 1
        return np.asarray(self._parts[part][row - self._starts[part]], dtype=np.float32)
