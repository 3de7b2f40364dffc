"""Passage vectors in a FAISS file of the build directory."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .vectors_base import BLOCK, _take, row_blocks

FLAT_MAX = 50_000  # exact search up to this many passages


IVF_KINDS = ("ivf_sq8", "ivf_flat")  # 8-bit codes (built above FLAT_MAX), float32 (older indexes, benchmarks)


NPROBE = 32  # IVF cells a query scans


FAISS_FILE = "dense.faiss"


def ivf_nlist(n: int) -> int:
    """Cells for an IVF index of ``n`` vectors: ~4·√n, with at least 39 training points per cell."""
    return max(1, min(int(4 * math.sqrt(n)), n // 39))


class FaissStore:
    """Passage vectors in a FAISS index, saved as a file of the build directory."""

    def __init__(self, index, info: dict, path: Path | None = None):
        self.index, self.info, self.path = index, info, path

    @property
    def d(self) -> int:
        return self.index.d

    @property
    def ntotal(self) -> int:
        return self.index.ntotal

    @classmethod
    def create(
        cls,
        spec: str = "faiss",
        build: Path | None = None,
        name: str = "",
        vectors=None,
        *,
        flat_max: int | None = None,
        nprobe: int = NPROBE,
        kind: str | None = None,
    ) -> FaissStore:
        """An empty index for ``vectors``, IVF ones trained on a sample of them.

        ``kind`` forces "flat", "ivf_sq8" ("ivf") or "ivf_flat" (benchmarks); by default
        flat up to ``flat_max`` vectors (FLAT_MAX), ivf_sq8 above.
        """
        import faiss

        n, dim = vectors.shape
        kind = "ivf_sq8" if kind == "ivf" else kind
        kind = kind or ("flat" if n <= (FLAT_MAX if flat_max is None else flat_max) else "ivf_sq8")
        if kind == "flat":
            return cls(faiss.IndexFlatIP(dim), {"type": "flat", "metric": "inner_product"})
        if kind not in IVF_KINDS:
            raise ValueError(f"unknown FAISS index kind '{kind}' (flat, ivf_sq8, ivf_flat)")
        nlist = ivf_nlist(n)
        quantizer = faiss.IndexFlatIP(dim)
        index: faiss.IndexIVF
        if kind == "ivf_flat":
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
        rows = np.arange(n)
        if n > nlist * 64:  # k-means on a random sample: 64 points per cell is plenty
            rows = np.sort(np.random.default_rng(0).choice(n, nlist * 64, replace=False))
        index.train(np.ascontiguousarray(_take(vectors, rows), dtype=np.float32))
        index.nprobe = min(nprobe, nlist)
        return cls(index, {"type": kind, "metric": "inner_product", "nlist": nlist, "nprobe": index.nprobe})

    @classmethod
    def open(cls, build: Path, manifest: dict) -> FaissStore:
        import faiss

        info = manifest.get("dense_index") or {}
        index = faiss.read_index(str(build / FAISS_FILE))
        if info.get("type") in IVF_KINDS:  # the search parameter is not part of the file
            faiss.extract_index_ivf(index).nprobe = int(info.get("nprobe", NPROBE))
        return cls(index, info, build / FAISS_FILE)

    @classmethod
    def discard(cls, info: dict) -> bool:
        """Nothing: the file goes with its build directory."""
        return True

    def add(self, vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(
        self, queries: np.ndarray, k: int, among: Sequence[range] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest ids (of the ranges ``among`` only, when given: FAISS skips the others while it
        scans, so ranking sees no other vector) and their inner products."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if among is None:
            return self.index.search(queries, k)
        import faiss

        among = [r for r in among if len(r)]
        chosen = sum(len(r) for r in among)
        selector: faiss.IDSelector
        if len(among) == 1:
            selector = faiss.IDSelectorRange(among[0].start, among[0].stop)
        else:
            selector = faiss.IDSelectorBatch(
                np.concatenate([np.arange(r.start, r.stop, dtype=np.int64) for r in among])
            )
        if self.info.get("type") in IVF_KINDS:
            # the chosen vectors are a fraction of each cell: scan proportionally more cells so about as many
            # chosen vectors are compared as an unfiltered search compares vectors (all cells for a small choice)
            ivf = faiss.extract_index_ivf(self.index)
            nprobe = min(ivf.nlist, math.ceil(ivf.nprobe * self.index.ntotal / max(1, chosen)))
            ivf_params = faiss.SearchParametersIVF()  # fields set one by one: faiss's stubs omit its keyword form
            ivf_params.nprobe = nprobe
            params: faiss.SearchParameters = ivf_params
        else:
            params = faiss.SearchParameters()
        params.sel = selector
        return self.index.search(queries, k, params=params)

    def vectors(self) -> np.ndarray:
        return _faiss_vectors(self.index)

    def save(self, build: Path | None) -> None:
        import faiss

        if build is None:
            raise ValueError("a FAISS store is saved into a build directory")
        self.path = Path(build) / FAISS_FILE
        faiss.write_index(self.index, str(self.path))

    def drop(self) -> None:
        self.index.reset()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def build_faiss(
    vectors, flat_max: int | None = None, nprobe: int = NPROBE, kind: str | None = None, chunk: int = BLOCK
):
    """A FAISS index over ``vectors`` (normalised float32) and a description for the manifest.

    ``vectors`` is an (n, dim) array, or a spool.RowSpool (read from disk ``chunk`` rows at
    a time, so the build never holds a second copy). ``kind``: see FaissStore.create.
    """
    store = FaissStore.create(vectors=vectors, flat_max=flat_max, nprobe=nprobe, kind=kind)
    for rows in row_blocks(vectors, chunk):
        store.add(rows)
    return store.index, store.info


def _faiss_vectors(index) -> np.ndarray:
    """Every vector of a FAISS index, in id order."""
    import faiss

    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    if isinstance(index, faiss.IndexIVF) or hasattr(index, "invlists"):
        faiss.extract_index_ivf(index).make_direct_map()
    return index.reconstruct_n(0, index.ntotal)
