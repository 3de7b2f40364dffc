"""The pieces a streaming build keeps: on-disk row spools, BM25 term ids, the embedding cache lookup."""

import bm25s
import numpy as np
import pytest

from rag.ingest.spool import KEY_BYTES, RowSpool, TermIds, VectorCache, digest
from rag.store.faiss_store import build_faiss


def test_row_spool_saves_npy_and_reads_chunks(tmp_path):
    rng = np.random.default_rng(1)
    parts = [rng.standard_normal((n, 4)).astype(np.float32) for n in (3, 0, 5, 1)]
    spool = RowSpool(tmp_path / "rows", "float32")
    for p in parts:
        spool.append(p)
    whole = np.concatenate(parts)
    assert spool.shape == (9, 4)
    chunks = list(spool.chunks(4))
    assert [len(c) for c in chunks] == [4, 4, 1]
    np.testing.assert_array_equal(np.concatenate(chunks), whole)
    np.testing.assert_array_equal(spool.take(np.array([0, 4, 8])), whole[[0, 4, 8]])
    spool.save(tmp_path / "rows.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "rows.npy"), whole)
    assert not (tmp_path / "rows").exists()


def test_row_spool_rejects_rows_of_another_width(tmp_path):
    spool = RowSpool(tmp_path / "rows", "float32")
    spool.append(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="width 4"):
        spool.append(np.zeros((1, 4)))


def test_empty_spool_saves_an_empty_array_of_its_width(tmp_path):
    spool = RowSpool(tmp_path / "rows", "float32", width=7)
    spool.save(tmp_path / "rows.npy")
    assert np.load(tmp_path / "rows.npy").shape == (0, 7)


def test_key_spool_round_trips_binary_digests(tmp_path):
    keys = [digest(f"text {i}") for i in range(50)]
    assert all(len(k) == KEY_BYTES for k in keys)
    spool = RowSpool(tmp_path / "keys", f"S{KEY_BYTES}")
    spool.append(np.array(keys[:20], dtype=f"S{KEY_BYTES}"))
    spool.append(np.array(keys[20:], dtype=f"S{KEY_BYTES}"))
    spool.save(tmp_path / "keys.npy")
    assert [bytes(k) for k in np.load(tmp_path / "keys.npy")] == keys


def test_term_ids_score_like_bm25s_on_strings():
    corpus = [["storm", "flood", "rain"], [], ["rain", "rain", "sun"], ["flood", "damag"]]
    ids = TermIds()
    for terms in corpus:
        ids.add(terms)
    ours = ids.bm25()
    ref = bm25s.BM25()
    ref.index([t or ["\x00empty"] for t in corpus], show_progress=False)
    for query in (["rain"], ["flood", "sun"], ["storm", "missing"]):
        np.testing.assert_allclose(ours.get_scores_from_ids(ours.get_tokens_ids(query)),
                                   ref.get_scores_from_ids(ref.get_tokens_ids(query)), rtol=1e-6)
    assert ids.df() == {"storm": 1, "flood": 2, "rain": 2, "sun": 1, "damag": 1}  # an empty passage counts for nothing


def test_vector_cache_finds_keys_across_parts():
    rng = np.random.default_rng(2)
    p_vecs, s_vecs = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    p_keys = [digest(f"p{i}") for i in range(3)]
    s_keys = [digest(f"s{i}") for i in range(5)]
    cache = VectorCache([np.array(p_keys, dtype="S20"), np.array(s_keys, dtype="S20")], [p_vecs, s_vecs])
    assert len(cache) == 8 and cache.dim == 4
    rows = cache.rows([s_keys[4], digest("unknown"), p_keys[1]])
    assert rows[1] == -1
    np.testing.assert_array_equal(cache.vector(rows[0]), s_vecs[4])
    np.testing.assert_array_equal(cache.vector(rows[2]), p_vecs[1])
    assert list(VectorCache.empty().rows([p_keys[0]])) == [-1]


def test_faiss_built_from_a_spool_equals_one_built_from_the_array(tmp_path):
    rng = np.random.default_rng(3)
    vecs = rng.standard_normal((3000, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    spool = RowSpool(tmp_path / "rows", "float32")
    spool.append(vecs)
    for kind in ("flat", "ivf"):
        a, _ = build_faiss(vecs, kind=kind, chunk=700)
        b, _ = build_faiss(spool, kind=kind, chunk=700)
        assert a.ntotal == b.ntotal == 3000
        q = vecs[:20]
        np.testing.assert_array_equal(a.search(q, 5)[1], b.search(q, 5)[1])
