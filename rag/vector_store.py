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
    milvus://HOST:PORT     a Milvus server or cluster (its proxy's address)
    milvus:///PATH/FILE.db Milvus Lite, a local file (also milvus:relative/file.db)

Only the passage vectors move: texts, sentence vectors and BM25 stay in the build
directory. Each build writes its own collection, named after the build; the manifest's
"dense_index" record says where it is, and a build's collection is dropped with the build.

Either way the float vectors are also kept beside the index (``passage_vectors.npy``) for
the embedding cache, so 8-bit codes never feed a rebuild.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

FLAT_MAX = 50_000  # exact search up to this many passages
IVF_KINDS = ("ivf_sq8", "ivf_flat")  # 8-bit codes (built above FLAT_MAX), float32 (older indexes, benchmarks)
NPROBE = 32  # IVF cells a query scans
FAISS_FILE = "dense.faiss"
# written into a build directory before its vectors go to a store outside it, so that a
# build killed from then on can still have them dropped
PENDING_RECORD = "dense_index.json"
BLOCK = 8192  # rows added at a time while a store is written


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
    def discard(cls, info: dict) -> None:
        """Delete what a record names outside its build directory, without opening it; never raises."""
        ...

    def add(self, vectors: np.ndarray) -> None: ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """For each query row, the ``k`` best scores and their ids (-1 where there are fewer hits)."""
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


def store_spec(value: str | None) -> str:
    """The vector store setting, checked (None: "faiss")."""
    spec = value or "faiss"
    if spec != "faiss" and not spec.startswith("milvus:"):
        raise ValueError(f"unknown vector store '{spec}' (use faiss, milvus://HOST:PORT or milvus:///path/to/file.db)")
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


def drop_recorded(info: dict) -> None:
    """Drop the vectors a "dense_index" record keeps outside its build directory (a Milvus collection)."""
    try:
        kind = store_type(record_spec(info))
    except ValueError:  # a record of no known store: nothing this program could have written
        return
    kind.discard(info)


def row_blocks(vectors, block: int):
    """``vectors`` ``block`` rows at a time: from disk for a spool.RowSpool, slices of an array."""
    if hasattr(vectors, "chunks"):
        return vectors.chunks(block)
    return (vectors[i : i + block] for i in range(0, len(vectors), block))


def _take(vectors, rows: np.ndarray) -> np.ndarray:
    """The given (sorted) rows of an array or a spool.RowSpool."""
    return vectors.take(rows) if hasattr(vectors, "chunks") else np.asarray(vectors)[rows]


# -- FAISS ------------------------------------------------------------------------------------

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
    def create(cls, spec: str = "faiss", build: Path | None = None, name: str = "", vectors=None, *,
               flat_max: int | None = None, nprobe: int = NPROBE, kind: str | None = None) -> FaissStore:
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
        if kind == "ivf_flat":
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                                  faiss.METRIC_INNER_PRODUCT)
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
    def discard(cls, info: dict) -> None:
        """Nothing: the file goes with its build directory."""

    def add(self, vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

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


def build_faiss(vectors, flat_max: int | None = None, nprobe: int = NPROBE, kind: str | None = None,
                chunk: int = BLOCK):
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


def all_vectors(index) -> np.ndarray:
    """Every stored vector of a VectorStore or of a bare FAISS index, in id order.

    For builds without ``passage_vectors.npy`` beside their index (flat or float32 IVF,
    which give the vectors back exactly), and for Milvus collections.
    """
    if isinstance(index, (FaissStore, MilvusStore)):
        return index.vectors()
    return _faiss_vectors(index)


# -- Milvus -----------------------------------------------------------------------------------

def milvus_uri(spec: str) -> str:
    """pymilvus' URI for a store spec: http://HOST:PORT for a server, a file path for Milvus Lite."""
    from urllib.parse import urlparse

    u = urlparse(spec)
    if u.netloc:
        return f"http://{u.netloc}"
    if not u.path.endswith(".db"):
        raise ValueError(f"a Milvus Lite store is a .db file (milvus:///path/to/file.db), not '{spec}'")
    return u.path


_CLIENTS: dict[str, object] = {}


def _client(uri: str):
    """One client per URI and process (Milvus Lite allows one opener of a file at a time)."""
    if uri not in _CLIENTS:
        from pymilvus import MilvusClient

        _CLIENTS[uri] = MilvusClient(uri)
    return _CLIENTS[uri]


class MilvusStore:
    """Passage vectors in a collection of a Milvus server or of a Milvus Lite file."""

    def __init__(self, client, info: dict, dim: int, ntotal: int, batch: int = 2000):
        self.client, self.info, self.d, self.ntotal, self.batch = client, info, dim, ntotal, batch
        self.collection = info["collection"]
        self.params = {"metric_type": "IP", "params": {"nprobe": info["nprobe"]} if "nprobe" in info else {}}

    @classmethod
    def create(cls, spec: str, build: Path | None, name: str, vectors, *, flat_max: int | None = None,
               nprobe: int = NPROBE) -> MilvusStore:
        """A new collection ``name`` (replacing one of that name), indexed as FAISS would be:
        exact (FLAT) up to ``flat_max`` vectors (FLAT_MAX), IVF_FLAT above."""
        from pymilvus import DataType

        n, dim = vectors.shape
        info = {"type": "milvus", "store": spec, "collection": name}
        if build is not None:
            (Path(build) / PENDING_RECORD).write_text(json.dumps(info), encoding="utf-8")
        client = _client(milvus_uri(spec))
        if client.has_collection(name):
            client.drop_collection(name)
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("pid", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        params = client.prepare_index_params()
        info["metric"] = "inner_product"
        if n <= (FLAT_MAX if flat_max is None else flat_max):
            params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
            info["index"] = "FLAT"
        else:
            nlist = ivf_nlist(n)
            params.add_index(field_name="vector", index_type="IVF_FLAT", metric_type="IP", params={"nlist": nlist})
            info.update(index="IVF_FLAT", nlist=nlist, nprobe=min(nprobe, nlist))
        client.create_collection(name, schema=schema, index_params=params)
        return cls(client, info, dim, 0)

    @classmethod
    def open(cls, build: Path, manifest: dict) -> MilvusStore:
        info = manifest["dense_index"]
        client = _client(milvus_uri(info["store"]))
        if not client.has_collection(info["collection"]):
            raise RuntimeError(f"collection '{info['collection']}' not found in {info['store']}")
        client.load_collection(info["collection"])
        return cls(client, info, int(manifest["dim"]), int(manifest["passages"]))

    @classmethod
    def discard(cls, info: dict) -> None:
        """Drop the collection; a store that cannot be reached is left alone."""
        try:
            client = _client(milvus_uri(info["store"]))
            if client.has_collection(info["collection"]):
                client.drop_collection(info["collection"])
        except Exception:  # noqa: BLE001 - cleanup must never fail a build
            pass

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        for i in range(0, len(vectors), self.batch):
            rows = vectors[i : i + self.batch]
            self.client.insert(self.collection, [{"pid": self.ntotal + j, "vector": v.tolist()} for j, v in enumerate(rows)])
            self.ntotal += len(rows)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.asarray(queries, dtype=np.float32)
        res = self.client.search(self.collection, data=[q.tolist() for q in queries], limit=k,
                                 search_params=self.params, output_fields=["pid"])
        sims = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for row, hits in enumerate(res):
            for j, h in enumerate(hits[:k]):
                ids[row, j] = h["id"] if "id" in h else h["entity"]["pid"]
                sims[row, j] = h["distance"]
        return sims, ids

    def vectors(self, batch: int = 1000) -> np.ndarray:
        out = np.zeros((self.ntotal, self.d), dtype=np.float32)
        for start in range(0, self.ntotal, batch):
            ids = list(range(start, min(start + batch, self.ntotal)))
            for r in self.client.get(self.collection, ids=ids, output_fields=["vector"]):
                out[int(r["pid"])] = r["vector"]
        return out

    def save(self, build: Path | None) -> None:
        """Flush the inserts and load the collection for search (it stays on the Milvus side)."""
        self.client.flush(self.collection)
        self.client.load_collection(self.collection)

    def drop(self) -> None:
        self.discard(self.info)

