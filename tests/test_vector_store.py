"""FAISS index chosen by size: exact flat search for small corpora, IVF above the threshold."""

from __future__ import annotations

import numpy as np
import pytest

from rag import vector_store
from rag.index import build_index, load_index, read_manifest
from rag.retrieval import Retriever
from rag.settings import Settings

from conftest import SEEDS


def clustered(n: int, dim: int = 32, centers: int = 50, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centers, dim))
    x = c[rng.integers(0, centers, n)] + 0.3 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_flat_below_threshold_ivf_above():
    x = clustered(3000)
    flat, info = vector_store.build_faiss(x, flat_max=5000)
    assert info == {"type": "flat", "metric": "inner_product"} and flat.ntotal == 3000
    ivf, info = vector_store.build_faiss(x, flat_max=1000)
    assert info["type"] == "ivf_sq8" and info["nlist"] == vector_store.ivf_nlist(3000) and ivf.ntotal == 3000
    ivf_flat, info_flat = vector_store.build_faiss(x, kind="ivf_flat")
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
        vector_store.build_faiss(x, kind="hnsw")


def test_nlist_grows_with_the_square_root():
    assert vector_store.ivf_nlist(1_000_000) == 4000
    assert vector_store.ivf_nlist(100_000) == 1264
    assert vector_store.ivf_nlist(1000) == 25  # at least 39 training points per cell


def test_an_index_above_the_threshold_is_ivf_end_to_end(tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(vector_store, "FLAT_MAX", 10)
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
    index, info = vector_store.build_faiss(clustered(n), flat_max=0)
    assert index.ntotal == n and info["nlist"] == 1
