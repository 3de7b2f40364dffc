"""Where a build's passage vectors live: one interface (VectorStore), with FAISS or Milvus behind it.

FAISS (the default) keeps them in a file of the build directory (``dense.faiss``), in an
index chosen by corpus size. Up to ``FLAT_MAX`` passages an exact ``IndexFlatIP``: a
brute-force inner product, which on normalised vectors is cosine; it needs no training
and loses nothing. Above it an IVF index: the vectors grouped into ``nlist`` k-means cells
(about 4·√n), a query scanning the ``NPROBE`` nearest cells, each vector stored as 8-bit
codes (``IndexIVFScalarQuantizer``, a quarter of the size of float32). Exact search costs
time in proportion to the corpus; IVF stays fast while keeping recall high. HNSW is not
used: it does poorly on near-duplicate passages (quotes repeated across articles are common).
docs/TUNING.md and docs/BENCHMARKS.md hold the measurements behind these choices.

Milvus keeps them in a collection of a Milvus server or of a Milvus Lite file. The store
spec (Settings.vector_store, ``--store``) says which:

    faiss                  (default) a FAISS file in the build directory
    milvus://HOST:PORT     a Milvus server or cluster (its proxy's address), over plain http
    milvus+https://HOST:PORT  the same over TLS (Zilliz Cloud, a server with a certificate); with
                           a token ($RAG_MILVUS_TOKEN) and a database (milvus_db) where the server needs them
    milvus:///PATH/FILE.db Milvus Lite, a local file (also milvus:relative/file.db)

Only the passage vectors move: texts, sentence vectors and BM25 stay in the build
directory. Each build writes its own collection, named after the build; the manifest's
"dense_index" record says where it is, and a build's collection is dropped with the build.

Either way the float vectors are also kept beside the index (``passage_vectors.npy``) for
the embedding cache, so 8-bit codes never feed a rebuild.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .faiss_store import FaissStore, _faiss_vectors
from .milvus_store import MilvusStore
from .vectors_base import BLOCK, VectorStore, row_blocks


def store_spec(value: str | None) -> str:
    """The vector store setting, checked (None: "faiss")."""
    spec = value or "faiss"
    if spec != "faiss" and not spec.startswith(("milvus:", "milvus+http:", "milvus+https:")):
        raise ValueError(
            f"unknown vector store '{spec}' (use faiss, milvus://HOST:PORT, milvus+https://HOST:PORT "
            "or milvus:///path/to/file.db)"
        )
    return spec


def store_type(spec: str | None) -> type[FaissStore | MilvusStore]:
    """The implementation a store spec names: the one place FAISS or Milvus is chosen."""
    return FaissStore if store_spec(spec) == "faiss" else MilvusStore


def record_spec(info: dict) -> str:
    """The store spec a "dense_index" record was written for (FAISS records name none)."""
    return info.get("store") or "faiss"


def write_store(spec: str, build: Path | None, name: str, vectors, block: int = BLOCK) -> VectorStore:
    """Store ``vectors`` (an array or a spool.RowSpool, read ``block`` rows at a time) in a new
    store of the kind ``spec`` names; ``name`` names what it keeps outside ``build``."""
    store = store_type(spec).create(spec, build, name, vectors)
    for rows in row_blocks(vectors, block):
        store.add(rows)
    store.save(build)
    return store


def open_store(build: Path, manifest: dict) -> VectorStore:
    """The passage vectors of a build, as its manifest's "dense_index" record says."""
    return store_type(record_spec(manifest.get("dense_index") or {})).open(build, manifest)


def drop_recorded(info: dict) -> bool:
    """Drop the vectors a "dense_index" record keeps outside its build directory (a Milvus collection);
    False when the store cannot be reached now."""
    try:
        kind = store_type(record_spec(info))
    except ValueError:  # a record of no known store: nothing this program could have written
        return True
    return kind.discard(info)


# -- FAISS ------------------------------------------------------------------------------------


def all_vectors(index) -> np.ndarray:
    """Every stored vector of a VectorStore or of a bare FAISS index, in id order.

    For builds without ``passage_vectors.npy`` beside their index (flat or float32 IVF,
    which give the vectors back exactly), and for Milvus collections.
    """
    if isinstance(index, (FaissStore, MilvusStore)):
        return index.vectors()
    return _faiss_vectors(index)


# -- Milvus -----------------------------------------------------------------------------------


PASSAGE_VECTORS_FILE = "passage_vectors.npy"  # the passage vectors as embedded, beside the index


def stored_passage_vectors(build: Path, dense: VectorStore) -> np.ndarray:
    """A build's passage vectors as embedded: the file kept beside the index (memory-mapped), or for
    builds without one, read back from the index (exact for the flat and float32 IVF indexes they have)."""
    if (build / PASSAGE_VECTORS_FILE).exists():
        return np.load(build / PASSAGE_VECTORS_FILE, mmap_mode="r")
    return dense.vectors()
