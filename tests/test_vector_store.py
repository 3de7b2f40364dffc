"""FAISS index chosen by size: exact flat search for small corpora, IVF above the threshold."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS

from rag.ingest.build import build_index
from rag.search.retrieval import Retriever
from rag.settings import Settings
from rag.store import faiss_store, milvus_store, vector_store, vectors_base
from rag.store.index import load_index
from rag.store.manifest import read_manifest


def clustered(n: int, dim: int = 32, centers: int = 50, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centers, dim))
    x = c[rng.integers(0, centers, n)] + 0.3 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_flat_below_threshold_ivf_above():
    x = clustered(3000)
    flat, info = faiss_store.build_faiss(x, flat_max=5000)
    assert info == {"type": "flat", "metric": "inner_product"} and flat.ntotal == 3000
    ivf, info = faiss_store.build_faiss(x, flat_max=1000)
    assert info["type"] == "ivf_sq8" and info["nlist"] == faiss_store.ivf_nlist(3000) and ivf.ntotal == 3000
    ivf_flat, info_flat = faiss_store.build_faiss(x, kind="ivf_flat")
    assert info_flat["type"] == "ivf_flat"
    q = clustered(50, seed=1)
    _, exact = flat.search(q, 10)
    for index in (ivf, ivf_flat):
        _, approx = index.search(q, 10)
        recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
        assert recall >= 0.9
    # vectors come back in id order: exactly from float32 indexes, to within the 8-bit step from ivf_sq8
    np.testing.assert_allclose(vector_store.all_vectors(flat), x, atol=1e-6)
    np.testing.assert_allclose(vector_store.all_vectors(ivf_flat), x, atol=1e-6)
    np.testing.assert_allclose(vector_store.all_vectors(ivf), x, atol=0.01)
    with pytest.raises(ValueError, match="unknown FAISS index kind"):
        faiss_store.build_faiss(x, kind="hnsw")


def test_nlist_grows_with_the_square_root():
    assert faiss_store.ivf_nlist(1_000_000) == 4000
    assert faiss_store.ivf_nlist(100_000) == 1264
    assert faiss_store.ivf_nlist(1000) == 25  # at least 39 training points per cell


def test_an_index_above_the_threshold_is_ivf_end_to_end(tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(faiss_store, "FLAT_MAX", 10)
    settings = Settings(index_dir=tmp_path / "index")
    build_index([SEEDS], settings, embedder=embedder, show_progress=False)
    m = read_manifest(settings.index_dir)
    assert m["dense_index"]["type"] == "ivf_sq8" and m["dense_index"]["nprobe"] >= 1
    index = load_index(settings)
    hits = Retriever(index, embedder, settings).search("What did Townsend say?", k=3)
    assert any("Townsend" in index.passages[h.pid].text for h in hits)
    # the embedding cache reads the float vectors kept beside the 8-bit index: an unchanged
    # rebuild embeds nothing, and the vectors do not drift from one build to the next
    first = np.load(index.path / "passage_vectors.npy")
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert build_index([], settings, embedder=embedder, show_progress=False).embedded == 0
    np.testing.assert_array_equal(np.load(load_index(settings).path / "passage_vectors.npy"), first)


@pytest.mark.parametrize("n", [1, 38])
def test_tiny_corpora_still_build(n):
    index, info = faiss_store.build_faiss(clustered(n), flat_max=0)
    assert index.ntotal == n and info["nlist"] == 1


# -- the VectorStore interface, FAISS side (Milvus: tests/test_vector_store_milvus.py) ---------------
def test_the_store_spec_chooses_the_implementation():
    assert vector_store.store_type(None) is vector_store.store_type("faiss") is faiss_store.FaissStore
    assert vector_store.store_type("milvus:///tmp/v.db") is milvus_store.MilvusStore
    with pytest.raises(ValueError, match="unknown vector store"):
        vector_store.store_type("qdrant://x")
    assert vector_store.record_spec({"type": "flat"}) == "faiss"
    assert vector_store.record_spec({"type": "milvus", "store": "milvus://h:1"}) == "milvus://h:1"
    vector_store.drop_recorded({"type": "flat"})  # a FAISS file goes with its directory: nothing to drop
    vector_store.drop_recorded({"type": "other", "store": "qdrant://x"})  # unknown: left alone, no error


@pytest.mark.parametrize("flat_max, kind", [(5000, "flat"), (100, "ivf_sq8")])
def test_faiss_store_writes_opens_searches_and_drops(tmp_path, monkeypatch, flat_max, kind):
    from rag.ingest.spool import RowSpool

    monkeypatch.setattr(faiss_store, "FLAT_MAX", flat_max)
    x = clustered(2000)
    spool = RowSpool(tmp_path / ".rows", "float32")  # what a build hands over
    for i in range(0, len(x), 300):
        spool.append(x[i : i + 300])
    store = vector_store.write_store("faiss", tmp_path, "unused", spool, block=512)
    assert isinstance(store, vectors_base.VectorStore) and isinstance(store, faiss_store.FaissStore)
    assert store.info["type"] == kind and (store.ntotal, store.d) == x.shape
    assert (tmp_path / faiss_store.FAISS_FILE).exists() and not (tmp_path / vectors_base.PENDING_RECORD).exists()
    opened = vector_store.open_store(tmp_path, {"dense_index": store.info, "dim": 32, "passages": len(x)})
    assert isinstance(opened, faiss_store.FaissStore) and opened.ntotal == len(x)
    if kind != "flat":
        assert opened.index.nprobe == store.info["nprobe"]  # the search parameter comes from the record
    scores, ids = opened.search(x[:5].astype(np.float64), 3)  # any float queries, the shape FAISS gives
    assert scores.shape == ids.shape == (5, 3) and list(ids[:, 0]) == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(opened.vectors(), x, atol=0.01)
    np.testing.assert_allclose(vector_store.all_vectors(opened), opened.vectors())
    opened.drop()
    assert opened.ntotal == 0 and not (tmp_path / faiss_store.FAISS_FILE).exists()


def test_an_empty_faiss_store_gives_no_hits():
    store = faiss_store.FaissStore.create(vectors=np.zeros((0, 4), np.float32))
    assert store.ntotal == 0 and store.vectors().shape == (0, 4)
    _, ids = store.search(np.ones((1, 4)), 2)
    assert (ids == -1).all()
