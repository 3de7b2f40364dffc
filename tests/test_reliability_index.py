"""Issue 6, the index: killed rebuilds, damaged files, builds started at once.

Builds run as real processes; kills are real SIGKILLs; damaged files are real files on disk.
tests/test_index.py has more (a build killed while embedding, a crash while writing, builds in threads).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SEEDS

from rag.ingest.build import build_index
from rag.ingest.sources import clean_text
from rag.settings import Settings
from rag.store.dirs import remove_stale_temp
from rag.store.index import load_index
from rag.store.manifest import IndexError_, IndexMismatch, read_manifest

ENV = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")

# A refresh of the recorded sources that stops at a chosen point of the build, so the SIGKILL lands there.
# (The seed index's vectors are all cached, so no model is loaded and the build gets there in seconds.
# "swapping" kills the copy an unchanged refresh makes, "writing" a build made anew.)
STOPPED_BUILD = r"""
import os, sys, time
from pathlib import Path
import faiss
from rag.ingest.build import build_index
from rag.settings import Settings

index_dir, where = Path(sys.argv[1]), sys.argv[2]

def stop(label):
    print(label, flush=True)
    time.sleep(600)

if where == "writing":  # the new build's directory is half written
    import rag.ingest.build
    rag.ingest.build.copy_unchanged = lambda *a, **k: None  # built anew: an unchanged refresh copies, writing no FAISS
    real_write = faiss.write_index
    def write_index(*args, **kwargs):
        real_write(*args, **kwargs)
        stop("WRITING")
    faiss.write_index = write_index
else:  # the build is complete and renamed; `current` is about to be repointed
    real_replace = os.replace
    def replace(src, dst, *args, **kwargs):
        if Path(dst).name == "current":
            stop("SWAPPING")
        return real_replace(src, dst, *args, **kwargs)
    os.replace = replace
build_index([], Settings(index_dir=index_dir), show_progress=False)
"""


def kill_build_at(index_dir: Path, where: str) -> None:
    proc = subprocess.Popen([sys.executable, "-c", STOPPED_BUILD, str(index_dir), where], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() in ("WRITING", "SWAPPING"), proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def rag(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "rag.cli", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=ENV)


def leftovers(index_dir: Path) -> list[str]:
    """Everything a build leaves besides `current` and the builds it keeps."""
    current = (index_dir / "current").resolve().name
    builds = sorted(p.name for p in (index_dir / "builds").iterdir())
    return ([b for b in builds if b.startswith(".") or b > current]
            + sorted(p.name for p in index_dir.iterdir() if p.name.startswith(".current-")))


# -- killed rebuilds ---------------------------------------------------------------------------
def test_rebuilds_killed_half_way_leave_the_old_index_and_no_leftovers_after_the_next_start(index_copy):
    before = (index_copy / "current").resolve()
    for where in ("writing", "swapping", "writing"):
        kill_build_at(index_copy, where)
        left = leftovers(index_copy)
        # the kill really happened half-way, and each build removed what the one before it left
        if where == "writing":
            assert len(left) == 1 and left[0].startswith(".tmp-"), left
        else:
            assert len(left) == 2 and left[0] > before.name and left[1].startswith(".current-"), left
        assert (index_copy / "current").resolve() == before

    # The next start (a real `rag ask`) answers from the old index and cleans up.
    r = rag("ask", "--index-dir", index_copy, "How many civilians does Amnesty say were killed?")
    assert r.returncode == 0, r.stderr
    assert "3,706" in r.stdout
    assert leftovers(index_copy) == []
    assert (index_copy / "current").resolve() == before

    # The killed builds held the build lock; the kernel released it, so the next build does not wait.
    report = build_index([], Settings(index_dir=index_copy), show_progress=False)
    assert report.embedded == 0 and leftovers(index_copy) == []


def test_leftovers_are_kept_while_another_build_holds_the_lock(index_copy):
    stray = index_copy / "builds" / ".tmp-20990101T000000000000Z-1"
    stray.mkdir()
    with open(index_copy / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # "another build is running": its temporary directory is in use
        remove_stale_temp(index_copy)
        assert stray.exists()
        fcntl.flock(fh, fcntl.LOCK_UN)
    remove_stale_temp(index_copy)
    assert not stray.exists()


# -- damaged index files -----------------------------------------------------------------------
def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _edit_manifest(**changes):
    def edit(build: Path) -> None:
        m = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        m.update(changes)
        (build / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    return edit


DAMAGE = {
    "truncated vectors": lambda b: _truncate(b / "dense.faiss"),
    "truncated sentence vectors": lambda b: _truncate(b / "sentences.npy"),
    "empty sentence vectors": lambda b: (b / "sentences.npy").write_bytes(b""),
    "truncated documents": lambda b: _truncate(b / "documents.json"),
    "garbage passages": lambda b: (b / "passages.npy").write_bytes(os.urandom(2000)),
    "missing passages": lambda b: (b / "passages.npy").unlink(),
    "truncated sentence offsets": lambda b: _truncate(b / "sentence_spans.npy"),
    "passages naming no document": lambda b: np.save(b / "passages.npy", np.load(b / "passages.npy") + [[99, 0, 0, 0]]),
    "garbage statements": lambda b: (b / "statements.jsonl").write_text("garbage\n", encoding="utf-8"),
    "missing words": lambda b: (b / "words.txt").unlink(),
    "missing BM25 file": lambda b: (b / "bm25" / "data.csc.index.npy").unlink(),
    "empty BM25 file": lambda b: (b / "bm25" / "indptr.csc.index.npy").write_bytes(b""),
    "missing term counts": lambda b: (b / "term_df.json").unlink(),
    "manifest not JSON": lambda b: (b / "manifest.json").write_text("{not json", encoding="utf-8"),
    "manifest not an object": lambda b: (b / "manifest.json").write_text("[1, 2]", encoding="utf-8"),
    "manifest without documents": lambda b: _drop_key(b, "documents"),
    "manifest of another format version": _edit_manifest(format_version=99),
    "manifest of another model": _edit_manifest(model="bge-small-en-v1.5"),
    "manifest of another chunking": _edit_manifest(chunking={"max_passage_words": 40, "title_in_passages": True}),
    "vectors of another dimension": _edit_manifest(dim=768),
    "build directory gone": lambda b: shutil.rmtree(b),
}


def _drop_key(build: Path, key: str) -> None:
    m = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    del m[key]
    (build / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_is_one_clear_error_naming_rag_ingest(index_copy, damage):
    DAMAGE[damage]((index_copy / "current").resolve())
    with pytest.raises(IndexError_) as err:
        load_index(Settings(index_dir=index_copy))
    message = str(err.value)
    assert "`rag ingest" in message and "\n" not in message
    assert str(index_copy) in message  # which index


# Through the real CLI: a few of the above, the ones that fail before (and after) the model is loaded.
@pytest.mark.parametrize("damage", ["truncated vectors", "missing passages", "manifest of another format version",
                                    "manifest of another model"])
def test_cli_reports_a_damaged_index_in_one_line_with_exit_status_2(index_copy, damage):
    DAMAGE[damage]((index_copy / "current").resolve())
    r = rag("ask", "--index-dir", index_copy, "What did Townsend say?")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    [line] = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert line.startswith("rag: error: index in ") and "`rag ingest" in line


def test_the_fix_named_in_the_message_works(index_copy):
    DAMAGE["missing passages"]((index_copy / "current").resolve())
    r = rag("ingest", "--index-dir", index_copy, "--quiet", SEEDS)
    assert r.returncode == 0, r.stderr
    assert len(load_index(Settings(index_dir=index_copy)).documents) == 1


@pytest.mark.parametrize("damage", ["truncated vectors", "empty sentence vectors", "manifest not an object",
                                    "build directory gone", "manifest of another format version"])
def test_a_rebuild_over_a_damaged_index_succeeds(index_copy, embedder, damage):
    """The damaged index's vectors cannot serve as the embedding cache; the rebuild embeds again instead of failing."""
    DAMAGE[damage]((index_copy / "current").resolve())
    report = build_index([SEEDS], Settings(index_dir=index_copy), embedder=embedder, show_progress=False)
    assert report.documents == 1 and report.reused == 0
    assert len(load_index(Settings(index_dir=index_copy)).passages) == report.passages


def test_damaged_cache_vectors_cost_a_re_embedding_not_the_index(index_copy, embedder):
    """passage_vectors.npy is only the embedding cache's copy: serving ignores it, a rebuild embeds again."""
    _truncate((index_copy / "current").resolve() / "passage_vectors.npy")
    assert len(load_index(Settings(index_dir=index_copy)).passages) > 0
    report = build_index([], Settings(index_dir=index_copy), embedder=embedder, show_progress=False)
    assert report.reused == 0 and report.embedded > 0
    assert len(load_index(Settings(index_dir=index_copy)).passages) == report.passages


def test_an_index_of_the_previous_format_is_refreshed_from_its_sources_and_cache(index_copy, embedder):
    """After an upgrade, `rag ingest` with no path still knows the sources and reuses every vector."""
    _edit_manifest(format_version=1)((index_copy / "current").resolve())
    with pytest.raises(IndexMismatch, match="format version 1.*rag ingest"):
        load_index(Settings(index_dir=index_copy))
    report = build_index([], Settings(index_dir=index_copy), embedder=embedder, show_progress=False)
    assert report.documents == 1 and report.embedded == 0 and report.reused > 0
    assert len(load_index(Settings(index_dir=index_copy)).passages) == report.passages


# -- two rebuilds at once ------------------------------------------------------------------------
def test_two_rebuild_processes_take_turns_and_the_index_is_one_of_them(index_copy, tmp_path):
    """Two real `rag ingest` processes replacing the sources with different corpora, started together."""
    article = (SEEDS / "mosul-amnesty-report.txt").read_text(encoding="utf-8")
    paragraphs = article.split("\n\n")
    corpora = {}
    for name, text in {"whole": article, "first-half": "\n\n".join(paragraphs[: len(paragraphs) // 2])}.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "article.txt").write_text(text, encoding="utf-8")  # every passage cached: no model load
        corpora[name] = folder
    lock = open(index_copy / ".build.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # hold the lock so both processes must arrive while a build "runs"
    # not --quiet: the wait is a logged warning, which --quiet hides
    procs = {name: subprocess.Popen([sys.executable, "-m", "rag.cli", "ingest", "--index-dir", str(index_copy),
                                     str(folder)], cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
             for name, folder in corpora.items()}
    try:
        waiting = set()
        deadline = time.time() + 120
        while len(waiting) < 2 and time.time() < deadline:
            for name, proc in procs.items():
                if name not in waiting and "waiting for another build" in proc.stderr.readline():
                    waiting.add(name)
        assert waiting == set(procs), "both builds should wait for the lock"
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    for proc in procs.values():
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        assert "indexed 1 document(s)" in out and "Traceback" not in err

    m = read_manifest(index_copy)
    [winner] = [name for name, folder in corpora.items() if m["sources"] == [str(folder.resolve())]]
    expected = clean_text((corpora[winner] / "article.txt").read_text(encoding="utf-8"))
    index = load_index(Settings(index_dir=index_copy))
    [doc] = index.documents.values()
    assert doc.text == expected and doc.source == str((corpora[winner] / "article.txt").resolve())
    assert m["documents"][0]["doc_id"] == doc.doc_id and m["passages"] == len(index.passages)
    assert all(p.doc_id == doc.doc_id and doc.text[p.start:p.end] == p.text for p in index.passages)
    assert len(list((index_copy / "builds").iterdir())) == 2  # the winner's build and the one before it
