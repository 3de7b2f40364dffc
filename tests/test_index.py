import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SEEDS

from rag.assistant import Assistant
from rag.ingest.build import build_index
from rag.settings import Settings
from rag.store.index import load_index
from rag.store.manifest import (
    FORMAT_VERSION,
    BuildError,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    read_manifest,
)


def test_manifest_records_model_chunking_documents(seed_index_dir):
    m = read_manifest(seed_index_dir)
    assert m["model"] == "all-MiniLM-L6-v2" and m["dim"] == 384
    assert m["chunking"] == Settings().chunking()
    assert m["format_version"] == FORMAT_VERSION and m["built_at"]
    [doc] = m["documents"]
    assert len(doc["sha256"]) == 64 and doc["passages"] == m["passages"] > 10
    assert m["sources"] == [str(SEEDS.resolve())]


def test_other_model_or_chunking_is_reported(seed_index_dir):
    with pytest.raises(IndexMismatch, match="built with model 'all-MiniLM-L6-v2'.*current setting: 'other-model'"):
        load_index(Settings(index_dir=seed_index_dir, embed_model="other-model"))
    with pytest.raises(IndexMismatch, match="chunking"):
        load_index(Settings(index_dir=seed_index_dir, max_passage_words=50))


def test_missing_and_corrupt_index_messages(tmp_path, index_copy):
    with pytest.raises(IndexMissing, match="rag ingest"):
        load_index(Settings(index_dir=tmp_path / "nothing"))
    (index_copy / "current" / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="corrupt"):
        load_index(Settings(index_dir=index_copy))


def test_truncated_vectors_are_detected(index_copy):
    (index_copy / "current" / "dense.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt):
        load_index(Settings(index_dir=index_copy))


def test_rebuild_of_unchanged_sources_reuses_every_vector(index_copy, embedder):
    first = (index_copy / "current").resolve()
    report = build_index([], Settings(index_dir=index_copy), embedder=embedder, show_progress=False)
    assert report.embedded == 0 and report.reused > 0
    second = (index_copy / "current").resolve()
    build_index([], Settings(index_dir=index_copy), embedder=embedder, show_progress=False)
    # the current build and the one before it remain; older ones are removed
    assert sorted(p.resolve() for p in (index_copy / "builds").iterdir()) == sorted([second, (index_copy / "current").resolve()])
    assert not first.exists()


def test_add_and_exclude_documents(index_copy, embedder, tmp_path):
    extra = tmp_path / "extra.txt"
    extra.write_text("The lighthouse keeper of Skerry Point is named Odalys Vantreight.", encoding="utf-8")
    s = Settings(index_dir=index_copy)
    report = build_index([extra], s, add=True, embedder=embedder, show_progress=False)
    assert report.documents == 2
    assert len(read_manifest(index_copy)["sources"]) == 2
    build_index([], s, exclude=[extra], embedder=embedder, show_progress=False)
    assert len(read_manifest(index_copy)["documents"]) == 1
    build_index([], s, embedder=embedder, show_progress=False)  # a refresh keeps the exclusion
    assert len(read_manifest(index_copy)["documents"]) == 1


def test_build_with_no_readable_document_keeps_old_index(index_copy, embedder, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    before = (index_copy / "current").resolve()
    with pytest.raises(BuildError, match="empty file"):
        build_index([bad], Settings(index_dir=index_copy), embedder=embedder, show_progress=False)
    assert (index_copy / "current").resolve() == before
    load_index(Settings(index_dir=index_copy))


def test_crash_while_writing_leaves_old_index_serving(index_copy, embedder, tmp_path, monkeypatch):
    import faiss

    new = tmp_path / "new.txt"
    new.write_text("Kestrels hover before they dive on voles.", encoding="utf-8")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", boom)
    with pytest.raises(OSError, match="disk full"):
        build_index([new], Settings(index_dir=index_copy), embedder=embedder, show_progress=False)
    monkeypatch.undo()
    a = Assistant(Settings(index_dir=index_copy), embedder=embedder)
    assert "Townsend" in a.ask("What did Townsend say?").answer
    assert not [p for p in (index_copy / "builds").iterdir() if p.name.startswith(".tmp")]


def test_rebuild_killed_half_way_leaves_old_index(index_copy, embedder, tmp_path):
    """A real `rag ingest` process killed with SIGKILL while embedding."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(400):
        (corpus / f"doc{i}.txt").write_text(
            f"Report {i}. " + " ".join(f"Station {i}-{j} measured {i * j} millimetres of rain." for j in range(12)), encoding="utf-8")
    before = (index_copy / "current").resolve()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "ingest", "--index-dir", str(index_copy), str(corpus)],
                            cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True)
    seen = ""
    deadline = time.time() + 120
    while time.time() < deadline and "embedded=" not in seen:  # the bar's count after the first batch
        seen += proc.stderr.read(1) or ""
        if proc.poll() is not None:
            break
    assert "embedded=" in seen, f"the build never started embedding: {seen[-500:]}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (index_copy / "current").resolve() == before
    a = Assistant(Settings(index_dir=index_copy), embedder=embedder)
    answer = a.ask("How many civilians does Amnesty say were killed?")
    assert "3,706" in answer.answer


def test_concurrent_builds_take_turns(index_copy, embedder, tmp_path):
    import threading

    s = Settings(index_dir=index_copy)
    docs = []
    for i in range(2):
        f = tmp_path / f"n{i}.txt"
        f.write_text(f"Note {i}: the ferry to Islay leaves at {7 + i} o'clock.", encoding="utf-8")
        docs.append(f)
    errors = []

    def run(f):
        try:
            build_index([f], s, add=True, embedder=embedder, show_progress=False)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(read_manifest(index_copy)["documents"]) == 3  # both additions survived
    assert len(list((index_copy / "builds").iterdir())) == 2  # current and previous


@pytest.mark.parametrize("kind", ["contextual", "standalone"])
def test_retrieval_only_index_embeds_every_passage_and_no_sentence(tmp_path, embedder, kind):
    """The benchmarks' index (with_sentences=False): passage vectors only, sentences borrow them."""
    import numpy as np

    from rag.ingest.build import write_index
    from rag.ingest.sources import load_documents
    from rag.store.documents import passage_text_for_search

    settings = Settings(index_dir=tmp_path / "index", sentence_vectors=kind)
    docs, _ = load_documents([SEEDS], progress=False)
    report = write_index(docs, [], settings, embedder=embedder, show_progress=False, with_sentences=False)
    index = load_index(settings)
    assert report.embedded == len(index.passages) and read_manifest(settings.index_dir)["sentence_pooling"] is None
    p = index.passages[5]
    expected = embedder.encode([passage_text_for_search(p, index.documents[p.doc_id], settings)])[0]
    rows = index.passage_sentences(5)
    np.testing.assert_allclose(index.sentence_vectors[rows.start : rows.stop], np.tile(expected, (len(rows), 1)), atol=1e-5)


def _write_corpus(folder, n):
    folder.mkdir()
    for i in range(n):
        (folder / f"doc{i:03d}.txt").write_text(
            f"Report {i}\n\n" + " ".join(f"Station {i}-{j} measured {i * j + 7} millimetres of rain." for j in range(4)),
            encoding="utf-8")


def test_streaming_windows_give_the_same_index_and_merge_late_duplicates(tmp_path, embedder, monkeypatch):
    """Passages embedded a few at a time land in the right rows; a duplicate read last still becomes an alias."""
    import numpy as np

    import rag.ingest.build
    from rag.store.vector_store import all_vectors

    corpus = tmp_path / "corpus"
    _write_corpus(corpus, 12)
    (corpus / "zz-copy.txt").write_text((corpus / "doc000.txt").read_text(encoding="utf-8"), encoding="utf-8")
    whole, windowed = Settings(index_dir=tmp_path / "whole"), Settings(index_dir=tmp_path / "windowed")
    build_index([corpus, SEEDS], whole, embedder=embedder, show_progress=False)
    monkeypatch.setattr(rag.ingest.build, "WINDOW", 3)
    report = build_index([corpus, SEEDS], windowed, embedder=embedder, show_progress=False)
    a, b = load_index(whole), load_index(windowed)
    assert report.documents == len(b.documents) == 13
    assert [(p.doc_id, p.start, p.end, p.sentences) for p in a.passages] == [(p.doc_id, p.start, p.end, p.sentences) for p in b.passages]
    np.testing.assert_allclose(all_vectors(a.dense), all_vectors(b.dense), atol=1e-6)
    np.testing.assert_allclose(a.sentence_vectors, b.sentence_vectors, atol=1e-6)
    first = next(d for d in b.documents.values() if d.source.endswith("doc000.txt"))
    assert first.aliases == (str(corpus / "zz-copy.txt"),)
    assert read_manifest(windowed.index_dir)["documents"][0]["aliases"] == [str(corpus / "zz-copy.txt")]


def test_cache_of_an_index_with_keys_in_json_is_reused(index_copy, embedder):
    """Indexes built before the keys were stored in binary (vector_keys.json) still spare the model."""
    import json

    import numpy as np

    build = (index_copy / "current").resolve()
    keys = {part: [bytes(k).hex() for k in np.load(build / f"{part[:-1]}_keys.npy")] for part in ("passages", "sentences")}
    (build / "vector_keys.json").write_text(json.dumps(keys), encoding="utf-8")
    (build / "passage_keys.npy").unlink()
    (build / "sentence_keys.npy").unlink()
    report = build_index([], Settings(index_dir=index_copy), embedder=embedder, show_progress=False)
    assert report.embedded == 0 and report.reused == len(keys["passages"]) + len(keys["sentences"]) > 0


def test_model_loading_with_another_backend_restarts_the_build_without_cache(index_copy, embedder, tmp_path, monkeypatch):
    """Cached int8 vectors already used, then the model loads as torch (its export failed): nothing mixes."""
    import rag.ingest.build
    import rag.search.embedding

    settings = Settings(index_dir=index_copy)
    assert build_index([], settings, show_progress=False).embedded == 0  # the seed index's vectors are the cache

    class ExportFailed:  # the real model, reporting the fallback backend
        backend, graph = "torch", None

        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return getattr(embedder, name)

    monkeypatch.setattr(rag.search.embedding, "Embedder", ExportFailed)
    monkeypatch.setattr(rag.ingest.build, "WINDOW", 2)  # the seed's passages are flushed (from the cache) before the new file
    corpus = tmp_path / "corpus"
    _write_corpus(corpus, 1)
    report = build_index([corpus], settings, add=True, show_progress=False)
    m = read_manifest(index_copy)
    assert report.reused == 0 and report.embedded == m["passages"] + m["sentences"]
    assert m["embed_backend"] == "torch" and m["embed_graph"] is None
    assert "Townsend" in Assistant(settings, embedder=embedder).ask("What did Townsend say?").answer


def test_build_reports_progress_in_order(tmp_path, embedder, monkeypatch):
    import rag.ingest.build

    corpus = tmp_path / "corpus"
    _write_corpus(corpus, 6)
    monkeypatch.setattr(rag.ingest.build, "WINDOW", 4)
    seen = []
    build_index([corpus], Settings(index_dir=tmp_path / "index"), embedder=embedder, show_progress=False,
                progress=lambda frac, msg: seen.append((frac, msg)))
    fracs = [f for f, _ in seen]
    assert fracs == sorted(fracs) and fracs[-1] == 1.0
    assert any(m.startswith("Indexed") for _, m in seen) and any(m.startswith("Embedding") for _, m in seen)


def _fresh_statements(index):
    """What attribution finds now in each document of a loaded index."""
    from rag.text.attribution import attribute

    return {doc_id: attribute(doc.text, [s for pid in index.passages.of_document(doc_id) for s in index.passages[pid].sentences])
            for doc_id, doc in index.documents.items()}  # from the passage objects, not the table's shortcut


def test_the_build_stores_what_attribution_finds(seed_index_dir):
    index = load_index(Settings(index_dir=seed_index_dir))
    assert sum(map(len, index.statements.values())) > 5  # the article quotes several people
    assert index.statements == _fresh_statements(index)
    assert {"townsend", "amnesty", "mosul"} <= index.surface_words


def test_statements_are_found_again_only_for_changed_documents(tmp_path, embedder, monkeypatch):
    import rag.ingest.notes

    corpus = tmp_path / "corpus"
    _write_corpus(corpus, 3)
    (corpus / "quote.txt").write_text("Talks\n\n“We will not stop,” said Maria Lopez. Others disagreed.", encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    build_index([corpus, SEEDS], settings, embedder=embedder, show_progress=False)
    (corpus / "quote.txt").write_text("Talks\n\n“We will go on,” said Maria Lopez. Others disagreed.", encoding="utf-8")
    seen = []
    real = rag.ingest.notes.attribute
    monkeypatch.setattr(rag.ingest.notes, "attribute", lambda text, sentences: seen.append(text) or real(text, sentences))
    build_index([], settings, embedder=embedder, show_progress=False)
    assert len(seen) == 1 and "go on" in seen[0]  # the article and the unchanged reports were not read again
    index = load_index(settings)
    assert index.statements == _fresh_statements(index)
    [quote] = [sts for doc_id, sts in index.statements.items() if "go on" in index.documents[doc_id].text]
    assert [st.speaker for st in quote] == [frozenset({"maria", "lopez"})]


def test_statements_of_other_attribution_rules_are_found_again_on_load(index_copy):
    import json

    build = (index_copy / "current").resolve()
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    manifest["attribution"] = 0  # as if built by older rules
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (build / "statements.jsonl").write_text("", encoding="utf-8")
    index = load_index(Settings(index_dir=index_copy))
    assert any(index.statements.values()) and index.statements == _fresh_statements(index)
