"""The build's named steps, each on its own, with a small embedder that needs no model.

tests/test_index.py builds real indexes end to end; these look at one step at a time:
choosing the sources, adding a document, flushing a window, writing the files and the
manifest, the swap and the clean-up of build directories, and the reuse of notes.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest

from rag.ingest.build import BuildJob, choose_sources
from rag.ingest.notes import PreviousNotes
from rag.ingest.passages import split_document
from rag.ingest.spool import VectorCache
from rag.ingest.vectors import BuildVectors
from rag.ingest.writer import BuildWriter, Spools, document_record
from rag.settings import Settings
from rag.store import dirs as build_dirs
from rag.store import vector_store, vectors_base
from rag.store.documents import Document, Heading, content_id, passage_text_for_search
from rag.store.layout import read_layout
from rag.store.manifest import (
    FORMAT_VERSION,
    MANIFEST_KEYS,
    BuildError,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    read_manifest,
    recorded_sources,
    write_manifest,
)
from rag.store.notes import notes_line, read_notes

DIM = 8


class HashEmbedder:
    """Unit vectors drawn from a hash of each text: the same text, the same vector."""

    def __init__(self):
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        out = []
        for t in texts:
            v = np.random.default_rng(int.from_bytes(hashlib.sha1(t.encode()).digest()[:8], "little")).normal(size=DIM)
            out.append(v / np.linalg.norm(v))
        return np.array(out, dtype=np.float32).reshape(-1, DIM)


class NoModel:
    def encode(self, texts):
        raise AssertionError("the model was asked for vectors the cache has")


def doc(text: str, source: str = "a.txt", title: str = "Weather") -> Document:
    return Document(content_id(text), title, source, text)


RAIN = doc("Rain fell in Oban. It fell for days.\n\n“We are soaked,” said Ewan Grant. The ferry stopped.")
SUN = doc("The sun came out over Skye. Nobody complained.", "b.txt", "Sun")


def writer_for(tmp_path, embedder=None, cache: VectorCache | None = None) -> BuildWriter:
    settings = Settings(index_dir=tmp_path / "index")
    build = tmp_path / "build"
    build.mkdir(exist_ok=True)
    vectors = BuildVectors(settings, embedder or HashEmbedder(), "hash", None, cache or VectorCache.empty(), True)
    return BuildWriter(build, vectors, settings)


def test_choose_sources(tmp_path):
    a, b, c = (str(tmp_path / n) for n in "abc")
    assert choose_sources([a], [], [], add=False, exclude=None) == ([a], [])  # a refresh re-reads the recorded sources
    assert choose_sources([a], [c], [b], add=True, exclude=None) == ([a, b], [c])
    assert choose_sources([a], [c], [b], add=False, exclude=None) == ([b], [])  # given paths replace the sources
    assert choose_sources([a, b], [], [], add=False, exclude=[b]) == ([a], [b])  # an excluded source goes, remembered
    assert choose_sources([a], [c], [c], add=True, exclude=None) == ([a, c], [])  # a path given again is wanted again
    with pytest.raises(BuildError, match="nothing to index"):
        choose_sources([], [], [], add=False, exclude=None)


def test_spools_save_the_rows_of_each_passage_and_sentence(tmp_path):
    spools = Spools.open(tmp_path)
    passages = split_document(RAIN, 5)
    spools.add_passages(0, passages)
    spools.save_rows(tmp_path, DIM)
    rows, spans = np.load(tmp_path / "passages.npy"), np.load(tmp_path / "sentence_spans.npy")
    assert [tuple(r) for r in rows] == [(0, p.start, p.end, len(p.sentences)) for p in passages]
    assert [tuple(s) for s in spans] == [s for p in passages for s in p.sentences]
    assert np.load(tmp_path / "sentences.npy").shape == (0, DIM)  # no vectors yet: empty, of the model's width
    spools.close()


def test_add_document_writes_its_text_and_queues_its_passages(tmp_path):
    writer = writer_for(tmp_path)
    with writer.texts():
        assert writer.add_document(RAIN)
        assert not writer.add_document(doc(RAIN.text, "copy.txt"))  # the same text under another name
        assert writer.add_document(SUN)
    written = json.loads((writer.build / "documents.json").read_text(encoding="utf-8"))
    assert [d["doc_id"] for d in written] == [RAIN.doc_id, SUN.doc_id] and written[0]["text"] == RAIN.text
    assert writer.heads[RAIN.doc_id].aliases == ("copy.txt",) and writer.heads[RAIN.doc_id].text == ""
    passages = [(p, d) for d in (RAIN, SUN) for p in split_document(d, writer.settings.max_passage_words)]
    assert writer.spools.passages.rows == len(writer.window) == len(passages) == 3
    assert [q.text for q in writer.window] == [passage_text_for_search(p, d, writer.settings) for p, d in passages]
    assert {"oban", "ewan", "sun", "weather"} <= writer.surface
    assert [d for d in read_notes(writer.build)] == [RAIN.doc_id]  # only the quote has a statement
    assert writer.records[RAIN.doc_id] == document_record(RAIN, split_document(RAIN, 160), None)
    assert read_layout(writer.build) == {}  # plain text: no pages, no headings, nothing stored
    writer.close()


def test_add_document_writes_pages_and_headings_of_the_documents_that_have_them(tmp_path):
    text = "Weather\n\nRain fell in Oban.\n\nWind\n\nGales closed the pier."
    report = Document(content_id(text), "Report", "r.pdf", text, pages=(0, text.index("Wind")),
                      headings=(Heading(0, 1, "Weather"), Heading(text.index("Wind"), 1, "Wind")))
    writer = writer_for(tmp_path)
    with writer.texts():
        writer.add_document(RAIN)
        writer.add_document(report)
    assert read_layout(writer.build) == {report.doc_id: (report.pages, report.headings)}
    assert writer.heads[report.doc_id].pages == () and writer.heads[report.doc_id].headings == ()  # not held
    writer.close()


def test_flush_embeds_the_window_and_a_second_build_reuses_it(tmp_path):
    first = writer_for(tmp_path)
    with first.texts():
        first.add_document(RAIN)
        first.flush()
    assert first.window == [] and first.vectors.embedded == first.spools.passage_vectors.rows + first.spools.sentence_vectors.rows
    sp = first.spools
    cache = VectorCache([sp.passage_keys.load(), sp.sentence_keys.load()], [sp.passage_vectors.load(), sp.sentence_vectors.load()])
    (tmp_path / "again").mkdir()
    second = writer_for(tmp_path / "again", NoModel(), cache)
    with second.texts():
        second.add_document(RAIN)
        second.flush()
    assert second.vectors.embedded == 0 and second.vectors.reused == first.vectors.embedded
    np.testing.assert_array_equal(second.spools.passage_vectors.load(), sp.passage_vectors.load())
    first.close()
    second.close()


def test_windows_embedded_in_the_background_make_the_same_spools(tmp_path):
    """The writer reads on while a window embeds; the vectors are collected in window order, so nothing changes."""
    docs = [RAIN, SUN, doc("Fog rolled in over Mull. Ferries waited.", "c.txt", "Fog")]
    spools = {}
    for background in (False, True):
        (tmp_path / str(background)).mkdir()
        writer = writer_for(tmp_path / str(background))
        writer = BuildWriter(writer.build, writer.vectors, writer.settings, background=background)
        assert writer.background is background
        with writer.texts():
            for d in docs:
                writer.add_document(d)
                writer.flush()  # a window per document: in the background, collected at the next flush
            writer.collect()
        sp = writer.spools
        assert writer.window == [] and writer.vectors.embedded == sp.passage_vectors.rows + sp.sentence_vectors.rows == 12
        spools[background] = [sp.passage_vectors.load().copy(), sp.sentence_vectors.load().copy(),
                              sp.passage_keys.load().copy(), sp.sentence_keys.load().copy()]
        writer.close()
    for serial, overlapped in zip(spools[False], spools[True]):
        np.testing.assert_array_equal(serial, overlapped)


def test_an_abandoned_build_stops_embedding_at_the_next_chunk(tmp_path):
    from rag.ingest.vectors import BuildCancelled

    writer = writer_for(tmp_path)
    with writer.texts():
        writer.add_document(RAIN)
    writer.vectors.cancelled.set()  # what BuildWriter.close does to a build that failed or was interrupted
    with pytest.raises(BuildCancelled):
        writer.vectors.compute(writer.window, lambda n: None)
    assert writer.vectors.embedded == 0
    writer.close()


def test_write_files_and_manifest(tmp_path):
    writer = writer_for(tmp_path)
    with writer.texts():
        writer.add_document(RAIN)
        writer.add_document(SUN)
        writer.flush()
    info = writer.write_files("faiss", "unused")
    assert info == {"type": "flat", "metric": "inner_product"}
    for name in ("sentences.npy", "passage_keys.npy", "sentence_keys.npy", "passages.npy", "sentence_spans.npy",
                 "words.txt", "dense.faiss", "passage_vectors.npy", "term_df.json", "bm25", "layout.jsonl"):
        assert (writer.build / name).exists(), name
    assert not [p for p in writer.build.iterdir() if p.name.startswith(".")]  # the spools were saved away
    job = BuildJob(writer.settings, ["/x/a.txt", "/x/gone.pdf"], [("/x/gone.pdf", "unreadable")])
    manifest = writer.manifest(job, info)
    assert set(MANIFEST_KEYS) <= set(manifest) and manifest["passages"] == len(np.load(writer.build / "passages.npy"))
    assert manifest["sources"] == ["/x/a.txt"] and manifest["dense_index"] == info and manifest["embed_backend"] == "hash"
    assert [d["doc_id"] for d in manifest["documents"]] == [RAIN.doc_id, SUN.doc_id]
    assert all(d["added_at"] == manifest["built_at"] for d in manifest["documents"])  # new documents: added now
    writer.close()


def test_a_written_manifest_is_read_back_once_swapped_in(tmp_path):
    index_dir = tmp_path / "index"
    with pytest.raises(IndexMissing):
        read_manifest(index_dir)
    assert recorded_sources(index_dir) == ([], [], {})
    tmp, stamp = build_dirs.new_build_dir(index_dir)
    manifest = {key: [] for key in MANIFEST_KEYS} | {"format_version": FORMAT_VERSION,
                                                      "documents": [{"doc_id": "d", "added_at": "t"}]}
    write_manifest(tmp, manifest)
    build_dirs.swap_in(index_dir, build_dirs.finish_build(tmp, stamp))
    assert read_manifest(index_dir) == manifest
    assert recorded_sources(index_dir) == ([], [], {"d": "t"})
    write_manifest(build_dirs.current_build(index_dir), manifest | {"format_version": 1})
    with pytest.raises(IndexMismatch, match="format version 1"):
        read_manifest(index_dir)
    assert read_manifest(index_dir, any_format=True)["format_version"] == 1  # what a rebuild reads
    (build_dirs.current_build(index_dir) / "manifest.json").write_text("[]", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="not a JSON object.*rag ingest"):
        read_manifest(index_dir)


def test_swap_in_keeps_the_current_and_the_previous_build(tmp_path):
    index_dir = tmp_path / "index"
    finals = []
    for _ in range(3):
        tmp, stamp = build_dirs.new_build_dir(index_dir)
        assert tmp.name.startswith(".tmp-") and tmp.name.endswith(f"-{os.getpid()}")
        finals.append(build_dirs.finish_build(tmp, stamp))
        build_dirs.swap_in(index_dir, finals[-1])
    assert (index_dir / "current").resolve() == finals[-1] and os.readlink(index_dir / "current") == f"builds/{finals[-1].name}"
    assert sorted((index_dir / "builds").iterdir()) == finals[1:]


def test_leftovers_of_killed_builds_are_removed(tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    tmp, stamp = build_dirs.new_build_dir(index_dir)
    build_dirs.swap_in(index_dir, build_dirs.finish_build(tmp, stamp))
    dropped = []
    monkeypatch.setattr(vector_store, "drop_recorded", lambda record: dropped.append(record) or True)
    killed = index_dir / "builds" / ".tmp-20990101T000000000000Z-1"  # died after sending its vectors to Milvus
    killed.mkdir()
    record = {"type": "milvus", "store": "milvus:///v.db", "collection": "rag_killed"}
    (killed / vectors_base.PENDING_RECORD).write_text(json.dumps(record), encoding="utf-8")
    unswapped = index_dir / "builds" / "20990101T000000000000Z"  # finished, killed before the swap
    unswapped.mkdir()
    (unswapped / "manifest.json").write_text("[1, 2]", encoding="utf-8")  # not an object: no record, no crash
    os.symlink("builds/x", index_dir / ".current-1")
    build_dirs.remove_stale_temp(index_dir)
    assert sorted(p.name for p in (index_dir / "builds").iterdir()) == [stamp] and not (index_dir / ".current-1").is_symlink()
    assert dropped == [record]


def test_a_build_whose_vectors_cannot_be_dropped_keeps_only_their_record_to_try_again(tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    tmp, stamp = build_dirs.new_build_dir(index_dir)
    build_dirs.swap_in(index_dir, build_dirs.finish_build(tmp, stamp))
    killed = index_dir / "builds" / ".tmp-20990101T000000000000Z-1"
    (killed / "bm25").mkdir(parents=True)
    (killed / ".passage-vectors").write_bytes(b"\0" * 64)
    record = {"type": "milvus", "store": "milvus://127.0.0.1:1", "collection": "rag_killed"}
    (killed / vectors_base.PENDING_RECORD).write_text(json.dumps(record), encoding="utf-8")
    tries = []
    monkeypatch.setattr(vector_store, "drop_recorded", lambda r: tries.append(r) and False)  # the server is down
    build_dirs.remove_stale_temp(index_dir)
    assert [p.name for p in killed.iterdir()] == [vectors_base.PENDING_RECORD] and tries == [record]
    monkeypatch.setattr(vector_store, "drop_recorded", lambda r: tries.append(r) or True)  # it is back
    build_dirs.remove_stale_temp(index_dir)
    assert not killed.exists() and tries == [record, record]
    assert sorted(p.name for p in (index_dir / "builds").iterdir()) == [stamp]


def test_notes_are_copied_for_unchanged_documents_and_found_for_new_ones(monkeypatch):
    import rag.store.notes

    stored = {"statements": [["x"]], "links": {}}
    previous = PreviousNotes({RAIN.doc_id, SUN.doc_id}, {RAIN.doc_id: stored})
    monkeypatch.setattr(rag.store.notes, "attribute", lambda text, sentences: pytest.fail("attributed again"))
    assert previous.of(RAIN, []) is stored and previous.of(SUN, []) == {}  # SUN was attributed: it has none
    monkeypatch.undo()
    found = PreviousNotes().of(RAIN, [s for p in split_document(RAIN, 160) for s in p.sentences])
    assert [st[0] for st in found["statements"]] == [["ewan", "grant"]]
    assert notes_line("d", {"statements": [], "links": {"acronyms": {}, "names": {}}}) is None
    assert json.loads(notes_line("d", found)) == {"doc_id": "d", **found}
