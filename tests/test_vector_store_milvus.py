"""Passage vectors in Milvus (for real, with Milvus Lite: a local file) give the same retrieval as FAISS."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from components import require_module

require_module(all(importlib.util.find_spec(m) for m in ("pymilvus", "milvus_lite")), "pymilvus or milvus-lite",
               "make test installs them")

from conftest import SEEDS  # noqa: E402

from rag.ingest.build import build_index
from rag.search.retrieval import Retriever  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.store import faiss_store, milvus_store, vector_store, vectors_base  # noqa: E402
from rag.store.index import load_index
from rag.store.manifest import read_manifest  # noqa: E402

QUESTIONS = [
    "What did Townsend say?",
    "How many civilians does Amnesty say were killed?",
    "What did the coalition say about Amnesty's report?",
    "drones",
    "Who wrote the report?",
]


@pytest.fixture(scope="module")
def milvus_index(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("milvus")
    settings = Settings(index_dir=root / "index", vector_store=f"milvus://{root / 'vectors.db'}")  # root is absolute: milvus:///...
    build_index([SEEDS], settings, embedder=embedder, show_progress=False)
    return settings


def test_store_specs():
    assert vector_store.store_spec(None) == "faiss"
    assert milvus_store.milvus_uri("milvus://10.1.2.3:19530") == "http://10.1.2.3:19530"
    assert milvus_store.milvus_uri("milvus:///var/lib/rag/vectors.db") == "/var/lib/rag/vectors.db"
    assert milvus_store.milvus_uri("milvus:index/vectors.db") == "index/vectors.db"
    assert milvus_store.milvus_uri("milvus+https://in03-x.cloud.example:443") == "https://in03-x.cloud.example:443"
    assert milvus_store.milvus_uri("milvus+http://10.1.2.3:19530") == "http://10.1.2.3:19530"
    assert vector_store.store_spec("milvus+https://h:443") == "milvus+https://h:443"
    assert vector_store.store_type("milvus+https://h:443") is milvus_store.MilvusStore
    with pytest.raises(ValueError, match=r"names no server: use milvus\+https://HOST:PORT"):
        milvus_store.milvus_uri("milvus+https:///var/lib/rag/vectors.db")  # a file is not reached over TLS
    with pytest.raises(ValueError, match=r"\.db file"):
        milvus_store.milvus_uri("milvus:///var/lib/rag")
    with pytest.raises(ValueError, match="unknown vector store"):
        vector_store.store_spec("qdrant://x")


def test_milvus_gives_the_same_top_passages_as_faiss(milvus_index, seed_index_dir, embedder):
    m = read_manifest(milvus_index.index_dir)
    info = m["dense_index"]
    assert info["type"] == "milvus" and info["index"] == "FLAT" and info["collection"].startswith("rag_")
    assert not (milvus_index.index_dir / "current" / "dense.faiss").exists()
    faiss_settings = Settings(index_dir=seed_index_dir)
    milvus = Retriever(load_index(milvus_index), embedder, milvus_index)
    faiss_ = Retriever(load_index(faiss_settings), embedder, faiss_settings)
    assert milvus.index.dense.ntotal == faiss_.index.dense.ntotal == m["passages"]
    for q in QUESTIONS:
        qvec = embedder.encode_query(q)
        dm, df = milvus.dense_scores(qvec, 5), faiss_.dense_scores(qvec, 5)
        assert list(dm) == list(df), q  # the same passages in the same order
        assert np.allclose(list(dm.values()), list(df.values()), atol=1e-4)
        assert [h.pid for h in milvus.search(q, k=5)] == [h.pid for h in faiss_.search(q, k=5)]


def test_rebuilds_reuse_vectors_from_milvus_and_drop_old_collections(milvus_index, embedder):
    first = read_manifest(milvus_index.index_dir)["dense_index"]["collection"]
    report = build_index([], milvus_index, embedder=embedder, show_progress=False)
    assert report.embedded == 0 and report.reused > 0  # the cache read the vectors back from Milvus
    second = read_manifest(milvus_index.index_dir)["dense_index"]["collection"]
    build_index([], milvus_index, embedder=embedder, show_progress=False)
    client = milvus_store._client(milvus_store.milvus_uri(milvus_index.vector_store))
    names = set(client.list_collections())
    assert second in names and first not in names  # the build before current keeps its collection; older ones go
    hits = Retriever(load_index(milvus_index), embedder, milvus_index).search("What did Townsend say?", k=3)
    assert hits


def test_cli_store_option(tmp_path, embedder):
    from rag.cli import _settings, build_parser

    args = build_parser().parse_args(["ingest", "--store", f"milvus://{tmp_path}/v.db", "x"])
    assert _settings(args).vector_store == f"milvus://{tmp_path}/v.db"


def test_a_failed_or_killed_build_leaves_no_collection(tmp_path, embedder, monkeypatch):
    settings = Settings(index_dir=tmp_path / "index", vector_store=f"milvus://{tmp_path / 'vectors.db'}")
    client = milvus_store._client(milvus_store.milvus_uri(settings.vector_store))

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("bm25s.BM25.index", broken)  # fails after the vectors went to Milvus
    with pytest.raises(RuntimeError, match="disk full"):
        build_index([SEEDS], settings, embedder=embedder, show_progress=False)
    assert client.list_collections() == []
    monkeypatch.undo()
    # a build killed after writing its collection: the next load's clean-up drops it
    build_index([SEEDS], settings, embedder=embedder, show_progress=False)
    current = read_manifest(settings.index_dir)["dense_index"]["collection"]
    tmp = settings.index_dir / "builds" / ".tmp-20990101T000000000000Z-1"
    tmp.mkdir()
    vector_store.write_store(settings.vector_store, None, "rag_killed", np.zeros((3, 384), np.float32))
    (tmp / "dense_index.json").write_text(json.dumps({"type": "milvus", "store": settings.vector_store, "collection": "rag_killed"}))
    load_index(settings)
    assert set(client.list_collections()) == {current} and not tmp.exists()


def test_milvus_store_writes_opens_searches_and_drops(tmp_path):
    spec = f"milvus://{tmp_path / 'store.db'}"
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    build = tmp_path / "build"
    build.mkdir()
    store = vector_store.write_store(spec, build, "rag_unit", x, block=50)
    assert isinstance(store, vectors_base.VectorStore) and isinstance(store, milvus_store.MilvusStore)
    # the build names its collection before writing it, so a killed build's collection can be dropped
    assert json.loads((build / vectors_base.PENDING_RECORD).read_text()) == {"type": "milvus", "store": spec,
                                                                            "collection": "rag_unit"}
    assert store.info["index"] == "FLAT" and (store.ntotal, store.d) == (120, 16)
    opened = vector_store.open_store(build, {"dense_index": store.info, "dim": 16, "passages": 120})
    assert isinstance(opened, milvus_store.MilvusStore) and opened.ntotal == 120
    scores, ids = opened.search(x[:4], 3)
    assert list(ids[:, 0]) == [0, 1, 2, 3] and np.allclose(scores[:, 0], 1.0, atol=1e-4)
    np.testing.assert_allclose(opened.vectors(), x, atol=1e-6)
    opened.drop()
    assert "rag_unit" not in store.client.list_collections()
    vector_store.drop_recorded(store.info)  # already gone: nothing happens
    with pytest.raises(RuntimeError, match="not found"):
        vector_store.open_store(build, {"dense_index": store.info, "dim": 16, "passages": 120})


def test_a_search_among_ranges_is_filtered_by_milvus(tmp_path, monkeypatch):
    """Limited to some ranges of ids, Milvus returns chosen vectors only, filtered while it searches: the best
    ones with a FLAT index; with IVF as many as asked (Milvus Lite picks its own number of cells, so which
    ones depends on its clustering)."""
    assert milvus_store.range_filter([range(3, 7), range(0), range(40, 41)]) == "(pid >= 3 and pid < 7) or (pid >= 40 and pid < 41)"
    x = np.random.default_rng(2).normal(size=(600, 8)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    among = (range(100, 140), range(500, 505))
    chosen = np.concatenate([np.arange(r.start, r.stop) for r in among])
    for flat_max in (10_000, 100):  # FLAT, then IVF_FLAT
        monkeypatch.setattr(milvus_store, "FLAT_MAX", flat_max)
        store = vector_store.write_store(f"milvus://{tmp_path / f'filter{flat_max}.db'}", None, f"rag_f{flat_max}", x)
        _, ids = store.search(x[:3], 4, among=among)
        for row in range(3):
            if store.info["index"] == "FLAT":
                assert list(ids[row]) == list(chosen[np.argsort(-(x[chosen] @ x[row]))[:4]]), row
            assert len(set(ids[row])) == 4 and set(ids[row]) <= set(chosen), (store.info["index"], row)
        store.drop()


def test_milvus_store_above_the_threshold_is_ivf(tmp_path, monkeypatch):
    monkeypatch.setattr(milvus_store, "FLAT_MAX", 100)
    x = np.random.default_rng(1).normal(size=(4000, 8)).astype(np.float32)
    store = vector_store.write_store(f"milvus://{tmp_path / 'ivf.db'}", None, "rag_ivf", x)
    assert store.info["index"] == "IVF_FLAT" and store.info["nlist"] == faiss_store.ivf_nlist(4000)
    assert store.params["params"] == {"nprobe": store.info["nprobe"]}
    store.drop()
