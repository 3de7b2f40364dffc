"""Passage vector indexes: FAISS on this machine, chosen by corpus size.

Up to ``FLAT_MAX`` passages an exact ``IndexFlatIP`` (a brute-force inner product, which
on normalised vectors is cosine): it needs no training and loses nothing. Above it an IVF
index: vectors grouped into ``nlist`` k-means cells (about 4·√n, so 4,000 at 1M), a query
scanning the ``nprobe`` = 32 nearest cells, and each vector stored as 8-bit codes
(``IndexIVFScalarQuantizer``, 384 bytes for MiniLM instead of 1,536 as float32).

Measured on 2 shared cores with realistic synthetic vectors (benchmarks/bench_scale.py,
docs/BENCHMARKS.md): flat search costs about 1.4 ms per 10,000 vectors (134 ms at 1M);
IVF answers in under a millisecond from 30k to 1M, with recall@10 against exact search
of 0.93 at 30k, 0.97 at 100k and 1.00 at 1M. The 8-bit codes cost no recall worth
measuring (0.997 against 0.998 for float32 cells at 300k) and make the index a quarter
of the size. The threshold keeps exact search while it costs under ~7 ms (a query's
embedding takes about as long), and IVF where its recall is ≥ 0.95. HNSW was left out:
measured on this machine kind (issue 5), it did poorly on near-duplicate data (quotes
repeated across articles are common). The float vectors themselves are kept beside the
index (``passage_vectors.npy``) for the embedding cache, so 8-bit codes never feed a
rebuild.
"""

from __future__ import annotations

import math

import numpy as np

FLAT_MAX = 50_000  # exact search up to this many passages
IVF_KINDS = ("ivf_sq8", "ivf_flat")  # 8-bit codes (built above FLAT_MAX), float32 (older indexes, benchmarks)
NPROBE = 32  # 16 gave recall@10 0.967 at 100k, 32 gave 0.975 at twice the (sub-millisecond) cost


def ivf_nlist(n: int) -> int:
    """Cells for an IVF index of ``n`` vectors: ~4·√n, with at least 39 training points per cell."""
    return max(1, min(int(4 * math.sqrt(n)), n // 39))


def build_faiss(vectors, flat_max: int | None = None, nprobe: int = NPROBE, kind: str | None = None,
                chunk: int = 8192):
    """A FAISS index over ``vectors`` (normalised float32) and a description for the manifest.

    ``vectors`` is an (n, dim) array, or a spool.RowSpool (read from disk ``chunk`` rows at
    a time, so the build never holds a second copy). ``kind`` forces "flat", "ivf_sq8"
    ("ivf") or "ivf_flat" (benchmarks); by default flat up to ``flat_max`` vectors, ivf_sq8 above.
    """
    import faiss

    n, dim = vectors.shape
    if hasattr(vectors, "chunks"):
        blocks, take = (lambda: vectors.chunks(chunk)), vectors.take
    else:
        vectors = np.asarray(vectors, dtype=np.float32)
        blocks = lambda: (vectors[i : i + chunk] for i in range(0, n, chunk))  # noqa: E731
        take = vectors.__getitem__
    flat_max = FLAT_MAX if flat_max is None else flat_max
    if kind == "ivf":
        kind = "ivf_sq8"
    kind = kind or ("flat" if n <= flat_max else "ivf_sq8")
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
        info = {"type": "flat", "metric": "inner_product"}
    elif kind in IVF_KINDS:
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
        sample = np.ascontiguousarray(take(rows), dtype=np.float32)
        index.train(sample)
        del sample
        index.nprobe = min(nprobe, nlist)
        info = {"type": kind, "metric": "inner_product", "nlist": nlist, "nprobe": index.nprobe}
    else:
        raise ValueError(f"unknown FAISS index kind '{kind}' (flat, ivf_sq8, ivf_flat)")
    for block in blocks():
        index.add(np.ascontiguousarray(block, dtype=np.float32))
    return index, info


def configure(index, info: dict | None) -> None:
    """Apply the search parameters recorded in the manifest to a loaded index."""
    if info and info.get("type") in IVF_KINDS:
        import faiss

        faiss.extract_index_ivf(index).nprobe = int(info.get("nprobe", NPROBE))


def all_vectors(index) -> np.ndarray:
    """Every stored vector, in id order (as stored: 8-bit codes come back approximate).

    For indexes built before ``passage_vectors.npy`` was kept beside them (flat or float32
    IVF, which give the vectors back exactly), and for Milvus collections.
    """
    import faiss

    if isinstance(index, MilvusVectors):
        return index.reconstruct_n(0, index.ntotal)
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    if isinstance(index, faiss.IndexIVF) or hasattr(index, "invlists"):
        ivf = faiss.extract_index_ivf(index)
        ivf.make_direct_map()
    return index.reconstruct_n(0, index.ntotal)


# -- Milvus: passage vectors on a Milvus server (or in a Milvus Lite file) --------------------
# Selected by Settings.vector_store / --store / $RAG_VECTOR_STORE:
#   faiss                  (default) a FAISS file in the build directory
#   milvus://HOST:PORT     a Milvus server or cluster (its proxy's address)
#   milvus:///PATH/FILE.db Milvus Lite, a local file (also milvus:relative/file.db)
# Only the passage vectors move: texts, sentence vectors and BM25 stay in the build
# directory. Each build writes its own collection, named after the build, and the
# manifest records where it is; a build's collection is dropped with the build.

def store_spec(value: str | None) -> str:
    """The vector store setting, with $RAG_VECTOR_STORE and the default applied."""
    import os

    spec = value or os.environ.get("RAG_VECTOR_STORE") or "faiss"
    if spec != "faiss" and not spec.startswith("milvus:"):
        raise ValueError(f"unknown vector store '{spec}' (use faiss, milvus://HOST:PORT or milvus:///path/to/file.db)")
    return spec


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


def write_milvus(spec: str, collection: str, vectors: np.ndarray, flat_max: int | None = None,
                 nprobe: int = NPROBE, batch: int = 2000) -> dict:
    """Store ``vectors`` (ids 0..n-1) in a new collection; returns the manifest's description.

    The index follows the FAISS rule: exact (FLAT) up to ``flat_max`` vectors, IVF_FLAT above.
    """
    from pymilvus import DataType

    uri = milvus_uri(spec)
    client = _client(uri)
    n, dim = vectors.shape
    if client.has_collection(collection):
        client.drop_collection(collection)
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pid", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    params = client.prepare_index_params()
    flat = n <= (FLAT_MAX if flat_max is None else flat_max)
    info = {"type": "milvus", "store": spec, "collection": collection, "metric": "inner_product"}
    if flat:
        params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
        info["index"] = "FLAT"
    else:
        nlist = ivf_nlist(n)
        params.add_index(field_name="vector", index_type="IVF_FLAT", metric_type="IP", params={"nlist": nlist})
        info.update(index="IVF_FLAT", nlist=nlist, nprobe=min(nprobe, nlist))
    client.create_collection(collection, schema=schema, index_params=params)
    for i in range(0, n, batch):
        chunk = vectors[i : i + batch]
        client.insert(collection, [{"pid": i + j, "vector": v.tolist()} for j, v in enumerate(chunk)])
    client.flush(collection)
    client.load_collection(collection)
    return info


class MilvusVectors:
    """A Milvus collection with the part of FAISS's interface retrieval uses (search, ntotal, d)."""

    def __init__(self, info: dict, dim: int, ntotal: int):
        self.info, self.d, self.ntotal = info, dim, ntotal
        self.collection = info["collection"]
        self.client = _client(milvus_uri(info["store"]))
        if not self.client.has_collection(self.collection):
            raise RuntimeError(f"collection '{self.collection}' not found in {info['store']}")
        self.client.load_collection(self.collection)
        self.params = {"metric_type": "IP", "params": {"nprobe": info["nprobe"]} if "nprobe" in info else {}}

    def search(self, queries: np.ndarray, k: int):
        res = self.client.search(self.collection, data=[q.tolist() for q in np.asarray(queries, dtype=np.float32)],
                                 limit=k, search_params=self.params, output_fields=["pid"])
        sims = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for row, hits in enumerate(res):
            for j, h in enumerate(hits[:k]):
                ids[row, j] = h["id"] if "id" in h else h["entity"]["pid"]
                sims[row, j] = h["distance"]
        return sims, ids

    def reconstruct_n(self, start: int, n: int, batch: int = 1000) -> np.ndarray:
        out = np.zeros((n, self.d), dtype=np.float32)
        for i in range(start, start + n, batch):
            ids = list(range(i, min(i + batch, start + n)))
            for r in self.client.get(self.collection, ids=ids, output_fields=["vector"]):
                out[int(r["pid"]) - start] = r["vector"]
        return out


def drop_milvus(info: dict) -> None:
    """Drop a build's collection (when the build is deleted); a store that cannot be reached is left alone."""
    try:
        client = _client(milvus_uri(info["store"]))
        if client.has_collection(info["collection"]):
            client.drop_collection(info["collection"])
    except Exception:  # noqa: BLE001 - cleanup must never fail a build
        pass
