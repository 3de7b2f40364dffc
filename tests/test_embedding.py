"""Embedding backends: the ONNX export of the bundled model, int8, the torch fallback, and the
embedding cache keyed by backend. Uses only the bundled model (an export takes seconds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SEEDS

from rag.ingest.build import build_index
from rag.search import onnx_embedding as oe
from rag.search.embedding import (
    Embedder,
    ModelError,
    backend_for_index,
    resolve_backend,
    resolve_model,
)
from rag.settings import Settings
from rag.store.index import load_index
from rag.store.manifest import read_manifest

TEXTS = [
    "What did Townsend say about the Amnesty report?",
    "Zürich café — naïve résumé, 42 % of civilians",
    " ".join(["a very long passage"] * 200),  # past max_seq_length: truncated like sentence-transformers
    "x",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def torch_embedder():
    return Embedder("all-MiniLM-L6-v2", backend="torch")


@pytest.fixture(scope="module")
def onnx_embedder(cache_dir):
    return Embedder("all-MiniLM-L6-v2", backend="onnx", cache_dir=cache_dir)


@pytest.fixture(scope="module")
def int8_embedder(cache_dir, onnx_embedder):
    return Embedder("all-MiniLM-L6-v2", backend="onnx-int8", cache_dir=cache_dir)


def test_onnx_export_matches_sentence_transformers(torch_embedder, onnx_embedder, cache_dir):
    assert torch_embedder.backend == "torch" and onnx_embedder.backend == "onnx"
    ref, got = torch_embedder.encode(TEXTS), onnx_embedder.encode(TEXTS)
    assert got.shape == ref.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert np.abs(ref - got).max() < 1e-4
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    [export] = (cache_dir / "onnx").iterdir()
    meta = json.loads((export / "meta.json").read_text())
    assert meta["max_seq_length"] == 256 and meta["pooling"] == "mean" and meta["dim"] == 384
    assert {"model.onnx", "tokenizer.json"} <= {p.name for p in export.iterdir()}


def test_int8_vectors_stay_close_to_fp32(onnx_embedder, int8_embedder):
    assert int8_embedder.backend == "onnx-int8"
    a, b = onnx_embedder.encode(TEXTS), int8_embedder.encode(TEXTS)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.97, cos
    # the query vector of one text is the same alone or in a batch (padding does not leak in)
    np.testing.assert_allclose(int8_embedder.encode_query(TEXTS[0]), b[0], atol=1e-5)
    assert int8_embedder.encode([]).shape == (0, 384)


def test_batches_sorted_by_length_keep_input_order(onnx_embedder, cache_dir):
    texts = [f"sentence number {i} " + "word " * (i * 7 % 40) for i in range(50)]
    batched = Embedder("all-MiniLM-L6-v2", batch_size=4, backend="onnx", cache_dir=cache_dir)
    full = onnx_embedder.encode(texts)
    np.testing.assert_allclose(batched.encode(texts), full, atol=1e-5)
    np.testing.assert_allclose(onnx_embedder.encode([texts[17]])[0], full[17], atol=1e-5)


def test_serving_from_a_cached_export_imports_neither_torch_nor_sentence_transformers(cache_dir, onnx_embedder):
    code = (
        "import sys\nfrom rag.search.embedding import Embedder\n"
        f"e = Embedder('all-MiniLM-L6-v2', backend='onnx', cache_dir={str(cache_dir)!r})\nv = e.encode_query('hello')\n"
        "print(e.backend, v.shape[0], 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["onnx", "384", "False", "False"], out.stderr


def test_backend_choice(monkeypatch, tmp_path):
    assert oe.int8_fast({"avx2", "avx512_vnni"}) and oe.int8_fast({"avx_vnni"}) and oe.int8_fast({"asimddp"})
    assert oe.int8_fast({"avx2", "fma"})  # plain AVX2: 1.9x fp32 at nDCG@10 within 0.005 (docs/TUNING.md)
    assert not oe.int8_fast({"avx", "fma"}) and not oe.int8_fast(set())
    assert oe.int8_kernels({"avx2", "avx512_vnni"}) == "dot" and oe.int8_kernels({"avx2", "fma"}) == "avx2"
    monkeypatch.setattr(oe, "int8_fast", lambda flags=None: True)
    assert resolve_backend("all-MiniLM-L6-v2", "auto", tmp_path) == "onnx-int8"
    monkeypatch.setattr(oe, "int8_fast", lambda flags=None: False)
    assert resolve_backend("all-MiniLM-L6-v2", "auto", tmp_path) == "onnx"
    assert resolve_backend("all-MiniLM-L6-v2", "torch", tmp_path) == "torch"
    monkeypatch.setenv("RAG_EMBED_BACKEND", "torch")  # the setting's variable, read by Settings only
    assert Settings.from_env().embed_backend == "torch"
    assert resolve_backend("all-MiniLM-L6-v2", None, tmp_path) != "torch"  # the library reads no environment
    assert resolve_backend("/no/such/model", "auto", tmp_path) == "torch"  # torch then reports the missing model
    with pytest.raises(ModelError, match="unknown embedding backend 'gpu'"):
        resolve_backend("all-MiniLM-L6-v2", "gpu", tmp_path)


def test_questions_are_embedded_by_the_backend_that_embedded_the_index(monkeypatch, tmp_path, cache_dir, onnx_embedder):
    """An index of fp32 vectors (say, built before "auto" chose int8 on this CPU) is asked with fp32
    question vectors under "auto"; a backend the user names wins."""
    from rag.assistant import Assistant

    assert backend_for_index(None, "onnx") == "onnx" and backend_for_index("auto", "torch") == "torch"
    assert backend_for_index("onnx-int8", "onnx") == "onnx-int8"
    assert backend_for_index(None, None) is None and backend_for_index(None, "StubEmbedder") is None

    index_dir = tmp_path / "index"
    settings = Settings(index_dir=index_dir, cache_dir=cache_dir)
    build_index([SEEDS], settings, embedder=onnx_embedder, show_progress=False)
    assert read_manifest(index_dir)["embed_backend"] == "onnx"
    assert Assistant(settings).embedder.backend == "onnx"
    named = Assistant(settings.replace(embed_backend="onnx-int8"))
    assert named.embedder.backend == "onnx-int8"
    assert not named.ask("What did Townsend say?").refused


def test_int8_graph_runs_exact_with_or_without_vnni(monkeypatch):
    """AVX2's u8 x s8 kernel saturates: there the int8 graph loads exact (rag/search/exact_int8.py), so
    its vectors and the id the embedding cache keys them by are the same as with VNNI."""
    from rag.search.embedding import Embedder, export_id

    monkeypatch.setattr(oe, "cpu_flags", lambda: {"avx2", "avx512_vnni"})
    dot = export_id("all-MiniLM-L6-v2", "onnx-int8")
    assert Embedder("all-MiniLM-L6-v2", backend="onnx-int8")._onnx.path.name == "model.int8.onnx"
    monkeypatch.setattr(oe, "cpu_flags", lambda: {"avx2", "fma"})
    assert export_id("all-MiniLM-L6-v2", "onnx-int8") == dot and dot is not None
    assert Embedder("all-MiniLM-L6-v2", backend="onnx-int8")._onnx.path.name == "model.int8.exact.onnx"
    assert export_id("all-MiniLM-L6-v2", "onnx") == oe.model_key(oe.local_model_dir(resolve_model("all-MiniLM-L6-v2")))
    assert export_id("all-MiniLM-L6-v2", "torch") is None


def test_model_the_export_cannot_reproduce_runs_on_torch(tmp_path, caplog):
    """A model with a Dense layer after pooling: the export refuses it, torch runs it, the refusal is remembered."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Dense

    st = SentenceTransformer(resolve_model("all-MiniLM-L6-v2"), device="cpu")
    st.append(Dense(384, 64))
    model_dir = tmp_path / "dense-model"
    st.save(str(model_dir))
    cache = tmp_path / "cache"
    e = Embedder(str(model_dir), backend="auto", cache_dir=cache)
    assert e.backend == "torch" and e.dim == 64 and e.encode(["hello"]).shape == (1, 64)
    assert "runs on torch" in caplog.text
    assert resolve_backend(str(model_dir), "auto", cache) == "torch"  # decided without exporting again
    [failed] = (cache / "onnx").glob("*/failed.json")
    assert "Dense" in json.loads(failed.read_text())["reason"]


def test_model_key_changes_with_the_model_files(tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    (d / "config.json").write_text("{}")
    k1 = oe.model_key(d)
    (d / "config.json").write_text('{"changed": 1}')
    assert oe.model_key(d) != k1


def test_index_records_backend_and_never_mixes_backends_in_the_cache(tmp_path, int8_embedder, torch_embedder):
    settings = Settings(index_dir=tmp_path / "index")
    first = build_index([SEEDS], settings, embedder=int8_embedder, show_progress=False)
    assert read_manifest(settings.index_dir)["embed_backend"] == "onnx-int8"
    # another backend: nothing is reused, every vector is embedded again
    report = build_index([], settings, embedder=torch_embedder, show_progress=False)
    assert report.embedded == first.embedded and report.reused == 0
    assert read_manifest(settings.index_dir)["embed_backend"] == "torch"
    again = build_index([], settings, embedder=torch_embedder, show_progress=False)
    assert again.embedded == 0
    # an index is searchable with query vectors of another backend of the same model
    index = load_index(settings)
    q = int8_embedder.encode_query("What did Townsend say?")
    sims, ids = index.dense.search(q.reshape(1, -1), 3)
    assert "Townsend" in " ".join(index.passages[i].text for i in ids[0])


def test_unchanged_rebuild_without_an_embedder_loads_no_model(tmp_path, int8_embedder, monkeypatch):
    settings = Settings(index_dir=tmp_path / "index", embed_backend="onnx-int8")
    build_index([SEEDS], settings, embedder=int8_embedder, show_progress=False)

    def no_model(*a, **k):
        raise AssertionError("a model was loaded for an unchanged rebuild")

    monkeypatch.setattr("rag.search.embedding.Embedder.__init__", no_model)
    assert build_index([], settings, show_progress=False).embedded == 0


def test_cli_embed_backend_option():
    from rag.cli import _settings, build_parser

    args = build_parser().parse_args(["ingest", "--embed-backend", "onnx", "x"])
    assert _settings(args).embed_backend == "onnx"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ingest", "--embed-backend", "gpu", "x"])


PASSAGE = ("Amnesty International published a report on Tuesday. It accused the coalition of unlawful attacks. "
           "The coalition called the report irresponsible.")
SPANS = [(0, 52), (53, 103), (104, len(PASSAGE))]


@pytest.mark.parametrize("name", ["onnx", "torch"])
def test_span_vectors_come_from_the_passage_run(name, onnx_embedder, torch_embedder):
    emb = {"onnx": onnx_embedder, "torch": torch_embedder}[name]
    assert emb.pools_spans
    vecs, pooled = emb.encode_spans([PASSAGE, TEXTS[0]], [SPANS, [(0, 8)]])
    np.testing.assert_allclose(vecs, emb.encode([PASSAGE, TEXTS[0]]), atol=1e-5)
    assert len(pooled[0]) == 3 and len(pooled[1]) == 1
    alone = emb.encode([PASSAGE[a:b] for a, b in SPANS])
    for v, a in zip(pooled[0], alone):
        assert abs(np.linalg.norm(v) - 1) < 1e-5
        assert 0.5 < float(v @ a) < 0.999  # the same sentence, but it has read its neighbours
    # the backends pool the same tokens
    if name == "torch":
        _, onnx_pooled = onnx_embedder.encode_spans([PASSAGE], [SPANS])
        for v, w in zip(pooled[0], onnx_pooled[0]):
            assert float(v @ w) > 0.9999


def test_a_sentence_cut_off_by_truncation_is_embedded_alone(onnx_embedder):
    long = " ".join(["filler words"] * 300)
    text = long + " The last sentence names Townsend."
    tail = (len(long) + 1, len(text))
    _, [[head, last]] = onnx_embedder.encode_spans([text], [[(0, 12), tail]])
    np.testing.assert_allclose(last, onnx_embedder.encode([text[tail[0]:]])[0], atol=1e-5)
    assert float(head @ onnx_embedder.encode(["filler words"])[0]) < 0.9999  # pooled, not embedded alone


def test_bulk_sessions_give_the_vectors_one_session_gives(cache_dir, int8_embedder):
    export = int8_embedder._onnx.path.parent
    texts = [f"Sentence number {i} about the battle for Mosul." * (1 + i % 3) for i in range(12)]
    one = oe.OnnxEncoder(export, quantized=True, sessions=1).encode(texts)
    two = oe.OnnxEncoder(export, quantized=True, sessions=2)
    np.testing.assert_allclose(two.encode(texts), one, atol=1e-5)
    assert len(two._workers) == 2  # the bulk call really ran on two sessions


def test_contextual_sentence_vectors_in_an_index(tmp_path, int8_embedder):
    settings = Settings(index_dir=tmp_path / "index", sentence_vectors="contextual")
    first = build_index([SEEDS], settings, embedder=int8_embedder, show_progress=False)
    manifest = read_manifest(settings.index_dir)
    assert manifest["sentence_pooling"] == "contextual"
    index = load_index(settings)
    assert first.embedded == len(index.passages) + len(index.sentence_vectors)
    # a sentence's row is its tokens pooled from its passage's run
    p = index.passages[3]
    text = index.documents[p.doc_id].title + "\n" + p.text
    shift = len(text) - len(p.text)
    _, [pooled] = int8_embedder.encode_spans([text], [[(s - p.start + shift, e - p.start + shift) for s, e in p.sentences]])
    rows = index.passage_sentences(3)
    np.testing.assert_allclose(index.sentence_vectors[rows.start : rows.stop], np.stack(pooled), atol=1e-5)
    assert build_index([], settings, embedder=int8_embedder, show_progress=False).embedded == 0
    # back to sentences embedded alone: the pooled vectors are not reused for them
    standalone = settings.replace(sentence_vectors="standalone")
    report = build_index([], standalone, embedder=int8_embedder, show_progress=False)
    assert report.embedded > 0 and read_manifest(settings.index_dir)["sentence_pooling"] == "standalone"
    row = index.passage_sentences(3).start
    s, e = p.sentences[0]
    np.testing.assert_allclose(load_index(standalone).sentence_vectors[row],
                               int8_embedder.encode([index.documents[p.doc_id].text[s:e]])[0], atol=1e-5)


def test_cli_sentence_vectors_option(tmp_path):
    from rag.cli import _settings, build_parser

    assert _settings(build_parser().parse_args(["ingest", "--sentence-vectors", "standalone", "x"])).sentence_vectors == "standalone"
    assert _settings(build_parser().parse_args(["ingest", "x"])).sentence_vectors == "contextual"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ingest", "--sentence-vectors", "both", "x"])


def test_vectors_of_another_export_are_not_reused(tmp_path, int8_embedder, monkeypatch):
    settings = Settings(index_dir=tmp_path / "index")
    first = build_index([SEEDS], settings, embedder=int8_embedder, show_progress=False)
    assert read_manifest(settings.index_dir)["embed_graph"] == int8_embedder.graph is not None
    assert build_index([], settings, embedder=int8_embedder, show_progress=False).embedded == 0
    # a new export recipe or changed model files give another graph: everything is embedded again
    monkeypatch.setattr(int8_embedder, "graph", "another-export")
    again = build_index([], settings, embedder=int8_embedder, show_progress=False)
    assert again.embedded == first.embedded and again.reused == 0


def test_a_build_releases_the_bulk_sessions(tmp_path, int8_embedder):
    int8_embedder.encode([f"text {i}" for i in range(16)])
    assert int8_embedder._onnx._workers  # a bulk call made them
    build_index([SEEDS], Settings(index_dir=tmp_path / "index"), embedder=int8_embedder, show_progress=False)
    assert int8_embedder._onnx._workers == []  # a server that rebuilt keeps only its query session
