"""The interface every vector store implements, and what writing one shares."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .manifest import IndexError_

# written into a build directory before its vectors go to a store outside it, so that a
# build killed from then on can still have them dropped
PENDING_RECORD = "dense_index.json"


BLOCK = 8192  # rows added at a time while a store is written


class StoreUnavailable(IndexError_):
    """A vector store outside the index directory (a Milvus server) that cannot be used now; the message names it.

    Answers are refused with this message while it lasts (rag/assistant.py), and come back
    by themselves once the store answers again: nothing is cached about the failure.
    """


@runtime_checkable
class VectorStore(Protocol):
    """Passage vectors with ids 0..ntotal-1 in the order added, searched by inner product."""

    info: dict  # the manifest's "dense_index" record: where the vectors are and how they are searched

    @property
    def d(self) -> int: ...

    @property
    def ntotal(self) -> int: ...

    @classmethod
    def create(cls, spec: str, build: Path | None, name: str, vectors) -> VectorStore:
        """An empty store fit for ``vectors`` (an (n, dim) array or a spool.RowSpool), which it does not add."""
        ...

    @classmethod
    def open(cls, build: Path, manifest: dict) -> VectorStore:
        """The store a build's manifest records."""
        ...

    @classmethod
    def discard(cls, info: dict) -> bool:
        """Delete what a record names outside its build directory, without opening it; never raises.
        False when that could not be done now (the store cannot be reached): the record is kept to try again."""
        ...

    def add(self, vectors: np.ndarray) -> None: ...

    def search(
        self, queries: np.ndarray, k: int, among: Sequence[range] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each query row, the ``k`` best scores and their ids (-1 where there are fewer hits).

        ``among``: search only these ranges of ids (a question limited to some documents). The store
        filters while it searches, never after ranking, so the ``k`` best chosen vectors come back.
        """
        ...

    def vectors(self) -> np.ndarray:
        """Every stored vector, in id order (as stored: 8-bit codes come back approximate)."""
        ...

    def save(self, build: Path | None) -> None:
        """Make what was added durable and searchable."""
        ...

    def drop(self) -> None:
        """Delete the stored vectors."""
        ...


def row_blocks(vectors, block: int):
    """``vectors`` ``block`` rows at a time: from disk for a spool.RowSpool, slices of an array."""
    if hasattr(vectors, "chunks"):
        return vectors.chunks(block)
    return (vectors[i : i + block] for i in range(0, len(vectors), block))


def _take(vectors, rows: np.ndarray) -> np.ndarray:
    """The given (sorted) rows of an array or a spool.RowSpool."""
    return vectors.take(rows) if hasattr(vectors, "chunks") else np.asarray(vectors)[rows]
