"""Passage vector indexes: FAISS on this machine, chosen by corpus size.

Up to ``FLAT_MAX`` passages an exact ``IndexFlatIP`` (a brute-force inner product, which
on normalised vectors is cosine): it needs no training, and below this size it answers
in a few milliseconds on 2 cores. Above it an ``IndexIVFFlat``: vectors grouped into
``nlist`` k-means cells (about 4·√n, so 4,000 at 1M), and a query scans the ``nprobe``
nearest cells. Measured on 2 cores (docs/BENCHMARKS.md, ``benchmarks/bench_scale.py``):
flat search grows linearly (tens of ms at 1M); IVF nlist 4000 / nprobe 16 at 1M answers in
about a millisecond with recall@10 ≥ 0.95 against exact search. HNSW was left out: on
near-duplicate passages (quotes repeated across articles) its recall dropped.
"""

from __future__ import annotations

import math

import numpy as np

FLAT_MAX = 100_000  # exact search up to this many passages
NPROBE = 16


def ivf_nlist(n: int) -> int:
    """Cells for an IVF index of ``n`` vectors: ~4·√n, with at least 39 training points per cell."""
    return max(1, min(int(4 * math.sqrt(n)), n // 39))


def build_faiss(vectors: np.ndarray, flat_max: int | None = None, nprobe: int = NPROBE, kind: str | None = None):
    """A FAISS index over ``vectors`` (normalised float32) and a description for the manifest.

    ``kind`` forces "flat" or "ivf" (benchmarks); by default flat up to ``flat_max`` vectors.
    """
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    flat_max = FLAT_MAX if flat_max is None else flat_max
    kind = kind or ("flat" if n <= flat_max else "ivf")
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index, {"type": "flat", "metric": "inner_product"}
    nlist = ivf_nlist(n)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = vectors
    if n > nlist * 64:  # k-means on a random sample: 64 points per cell is plenty
        rng = np.random.default_rng(0)
        sample = vectors[np.sort(rng.choice(n, nlist * 64, replace=False))]
    index.train(sample)
    index.add(vectors)
    index.nprobe = min(nprobe, nlist)
    return index, {"type": "ivf_flat", "metric": "inner_product", "nlist": nlist, "nprobe": index.nprobe}


def configure(index, info: dict | None) -> None:
    """Apply the search parameters recorded in the manifest to a loaded index."""
    if info and info.get("type") == "ivf_flat":
        import faiss

        faiss.extract_index_ivf(index).nprobe = int(info.get("nprobe", NPROBE))


def all_vectors(index) -> np.ndarray:
    """Every stored vector, in id order (for the embedding cache and retrieval-only indexes)."""
    import faiss

    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    if isinstance(index, faiss.IndexIVF) or hasattr(index, "invlists"):
        ivf = faiss.extract_index_ivf(index)
        ivf.make_direct_map()
    return index.reconstruct_n(0, index.ntotal)
