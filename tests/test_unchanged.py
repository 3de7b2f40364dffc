"""rag/ingest/unchanged.py: a rebuild that finds nothing changed copies the current build, reading no source."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_build import HashEmbedder

from rag.ingest import sources
from rag.ingest.build import build_index
from rag.ingest.unchanged import build_checksums
from rag.settings import Settings
from rag.store.index import load_index
from rag.store.manifest import READING_VERSION, read_manifest

# The stand-in embedder cannot pool sentence vectors from its passage's run, so its builds are "standalone"
SETTINGS = dict(sentence_vectors="standalone")


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "rain.txt").write_text("Rain\nRain fell in Oban. It fell for days.\n\nThe ferry stopped.\n", encoding="utf-8")
    (folder / "sun.md").write_text("# Sun\n\nThe sun came out over Skye. Nobody complained.\n", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")  # unreadable: skipped with a reason, every time
    return folder


def _build(corpus: Path, tmp_path: Path, embedder=None, **changes):
    settings = Settings(index_dir=tmp_path / "index", **{**SETTINGS, **changes})
    return build_index([corpus] if corpus else [], settings, embedder=embedder or HashEmbedder(), show_progress=False)


def _no_reading(monkeypatch):
    def refuse(path, *a, **k):
        raise AssertionError(f"{path} was read")
    monkeypatch.setattr(sources, "read_document", refuse)


def test_the_manifest_records_each_file_read_and_each_file_that_could_not_be(corpus, tmp_path):
    _build(corpus, tmp_path)
    m = read_manifest(tmp_path / "index")
    st = os.stat(corpus / "rain.txt")
    assert m["files"][str(corpus / "rain.txt")] == [st.st_size, st.st_mtime_ns]
    assert sorted(Path(p).name for p in m["files"]) == ["rain.txt", "sun.md"]
    assert m["unreadable"] == {str(corpus / "empty.txt"): [0, os.stat(corpus / "empty.txt").st_mtime_ns, "empty file"]}
    build = (tmp_path / "index" / "current").resolve()
    assert m["checksums"] == build_checksums(build) and "dense.faiss" in m["checksums"] and "manifest.json" not in m["checksums"]


def test_an_unchanged_rebuild_reads_no_file_and_copies_the_build(corpus, tmp_path, monkeypatch):
    first = _build(corpus, tmp_path)
    before = read_manifest(tmp_path / "index")
    _no_reading(monkeypatch)
    embedder = HashEmbedder()
    again = _build(None, tmp_path, embedder=embedder)
    assert embedder.calls == 0 and again.embedded == 0
    assert (again.documents, again.passages) == (first.documents, first.passages) == (2, 3)  # the heading "Sun" goes with its text
    assert again.reused == first.embedded  # every passage and sentence vector, as the report counts them
    assert again.skipped == [(str(corpus / "empty.txt"), "empty file")]
    assert again.path != first.path and again.path == (tmp_path / "index" / "current").resolve()
    after = read_manifest(tmp_path / "index")
    assert {k: v for k, v in after.items() if k != "built_at"} == {k: v for k, v in before.items() if k != "built_at"}
    assert build_checksums(again.path) == before["checksums"]
    assert len(load_index(Settings(index_dir=tmp_path / "index", **SETTINGS)).passages) == 3


def test_a_touched_file_is_hashed_and_still_unchanged(corpus, tmp_path):
    _build(corpus, tmp_path)
    os.utime(corpus / "rain.txt", ns=(1_000_000_000, 1_000_000_000))
    embedder = HashEmbedder()
    report = _build(None, tmp_path, embedder=embedder)
    assert embedder.calls == 0 and report.embedded == 0
    assert read_manifest(tmp_path / "index")["files"][str(corpus / "rain.txt")][1] == 1_000_000_000


@pytest.mark.parametrize("change", ["edited", "added", "removed", "now readable", "other settings", "older reading"])
def test_any_change_builds_anew_reusing_cached_vectors(corpus, tmp_path, change):
    _build(corpus, tmp_path)
    changes = {}
    if change == "edited":
        (corpus / "sun.md").write_text("# Sun\n\nThe sun came out over Skye. Everyone complained.\n", encoding="utf-8")
    elif change == "added":
        (corpus / "fog.txt").write_text("Fog\nFog rolled in.\n", encoding="utf-8")
    elif change == "removed":
        (corpus / "sun.md").unlink()
    elif change == "now readable":
        (corpus / "empty.txt").write_text("Snow\nSnow fell.\n", encoding="utf-8")
    elif change == "older reading":  # built by a version that turned files into text another way
        path = tmp_path / "index" / "current" / "manifest.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "reading": READING_VERSION - 1}))
    else:
        changes = {"title_in_passages": False}  # other passage texts
    embedder = HashEmbedder()
    report = _build(None, tmp_path, embedder=embedder, **changes)
    # built anew: the new text embedded, the rest from the cache (all of it when only the reading changed)
    assert embedder.calls > 0 or change in ("removed", "older reading")
    assert report.reused > 0
    assert read_manifest(tmp_path / "index")["reading"] == READING_VERSION  # a copy keeps the old manifest's
    files = read_manifest(tmp_path / "index")["files"]
    assert sorted(Path(p).name for p in files) == sorted(p.name for p in corpus.iterdir() if p.stat().st_size)


def test_a_damaged_build_is_built_anew_not_copied(corpus, tmp_path):
    first = _build(corpus, tmp_path)
    terms = first.path / "term_df.json"
    terms.write_text(json.dumps({"rain": 99}), encoding="utf-8")  # the same manifest, a file not as it was written
    again = _build(None, tmp_path)
    assert json.loads((again.path / "term_df.json").read_text(encoding="utf-8")) != {"rain": 99}
    assert again.reused == first.embedded and again.embedded == 0
