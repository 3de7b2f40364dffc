"""Issue 6, sources and ingest: bad files are named and skipped, memory stays bounded, duplicates are indexed once.

Every file here is a real file on disk; `rag ingest` and `rag info` run as real processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SEEDS

from rag.ingest.build import build_index
from rag.ingest.sources import (
    MAX_SOURCE_BYTES,
    SourceError,
    load_documents,
    read_document,
)
from rag.settings import Settings
from rag.store.index import load_index
from rag.store.manifest import read_manifest

BIG = 200 * 1024 * 1024


def rag(*args, timeout=300):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "rag.cli", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def sparse_file(path: Path, size: int = BIG) -> Path:
    """A file of ``size`` bytes that takes no disk space (and no time) to write."""
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def bad_and_good_folder(root: Path) -> Path:
    """Every kind of bad file the issue names, next to good ones."""
    src = root / "src"
    (src / "nested").mkdir(parents=True)
    (src / "good.txt").write_text("Lighthouse log\n\nThe keeper of Skerry Point lit the lamp at 19:40 every night.",
                                  encoding="utf-8")
    (src / "nested" / "notes.md").write_text("# Heron notes\n\nGrey herons nest in colonies called heronries.",
                                             encoding="utf-8")
    (src / "latin1.txt").write_bytes("Le café de la gare\n\nLe café de la gare est fermé depuis l'été.".encode("latin-1"))
    (src / "page.html").write_text(
        "<html><head><title>Owl page</title><script>var stolen = document.cookie; alert('pwned')</script></head>"
        "<body><p>Barn owls swallow their prey whole.</p><script>alert('again')</script></body></html>", encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "random.txt").write_bytes(random.Random(6).randbytes(64 * 1024))
    (src / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref")
    sparse_file(src / "huge.txt")
    os.symlink("..", src / "nested" / "loop")  # a folder link back up: a loop
    os.symlink("ping.txt", src / "pong.txt")  # two file links pointing at each other
    os.symlink("pong.txt", src / "ping.txt")
    return src


# -- the whole ingest, as a real process ----------------------------------------------------
def test_ingest_names_every_bad_file_and_indexes_the_good_ones(tmp_path):
    src = bad_and_good_folder(tmp_path)
    idx = tmp_path / "idx"
    r = rag("ingest", "--index-dir", idx, "--quiet", src)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    skipped = dict(re.findall(r"^skipped (.+?): (.+)$", r.stderr, re.M))
    reasons = {Path(p).name: why for p, why in skipped.items()}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["random.txt"]
    assert reasons["broken.pdf"].startswith("malformed PDF")
    assert reasons["huge.txt"] == "too large (200 MB; the limit is 50 MB per file): split it into smaller files"
    assert reasons["loop"].startswith("symbolic link loop")
    assert reasons["ping.txt"] == reasons["pong.txt"] == "symbolic link loop"
    assert "indexed 4 document(s)" in r.stdout

    manifest = read_manifest(idx)
    titles = sorted(d["title"] for d in manifest["documents"])
    assert titles == ["Heron notes", "Le café de la gare", "Lighthouse log", "Owl page"]
    texts = {d["title"]: d["text"] for d in json.loads((idx / "current" / "documents.json").read_text(encoding="utf-8"))}
    assert texts["Owl page"] == "Barn owls swallow their prey whole."  # scripts dropped
    assert "fermé depuis l'été" in texts["Le café de la gare"]

    # a refresh reads the same folder again: still no traceback, same documents, the folder stays recorded
    again = rag("ingest", "--index-dir", idx, "--quiet")
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
    assert read_manifest(idx)["sources"] == [str(src.resolve())]


# -- memory: a 200 MB file is refused before it is read ----------------------------------------
MEMORY_PROBE = r"""
import json, resource, sys
from pathlib import Path
import bs4, charset_normalizer, docx, pypdf  # imported before the baseline: they are not what is measured
from rag.ingest.sources import load_documents
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
docs, skipped = load_documents([Path(sys.argv[1])], progress=False)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kb": before, "after_kb": after, "docs": [d.title for d in docs], "skipped": skipped}))
"""


def test_large_files_are_refused_with_a_message_and_memory_stays_bounded(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    for name in ("huge.txt", "huge.html", "huge.pdf", "huge.docx", "huge.md"):
        sparse_file(folder / name)
    (folder / "small.txt").write_text("Small note\n\nOtters hold hands while they sleep.", encoding="utf-8")
    r = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(folder)], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["docs"] == ["Small note"]
    assert {Path(p).name: why.split(" (")[0] for p, why in out["skipped"]} == {
        name: "too large" for name in ("huge.txt", "huge.html", "huge.pdf", "huge.docx", "huge.md")}
    grown_mb = (out["after_kb"] - out["before_kb"]) / 1024
    print(f"\npeak memory grew by {grown_mb:.1f} MB reading 5 x 200 MB files (peak {out['after_kb'] / 1024:.0f} MB)")
    assert grown_mb < 50, f"reading refused files took {grown_mb:.0f} MB"


def test_the_size_cap_is_checked_before_and_while_reading(tmp_path):
    f = tmp_path / "growing.txt"
    f.write_text("Tide table\n\n" + "High water at Skerry Point was at 06:12. " * 200, encoding="utf-8")
    with pytest.raises(SourceError, match=r"too large \(8 KB; the limit is 1 KB per file\)"):
        read_document(f, max_bytes=1000)
    from rag.ingest.sources import read_limited

    with pytest.raises(SourceError, match="too large"):
        read_limited(f, 1000)  # what the text readers use: at most limit + 1 bytes are read
    assert MAX_SOURCE_BYTES == 50 * 1024 * 1024


# -- damaged PDFs ------------------------------------------------------------------------------
def test_damaged_pdfs_cost_only_themselves(tmp_path):
    """120 PDFs truncated or overwritten at random: each is read or named as malformed; the load never stops."""
    import io

    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for page in range(3):
        c.drawString(72, 720, f"Barn owls swallow their prey whole, page {page}.")
        c.showPage()
    c.save()
    pdf = buf.getvalue()
    rng = random.Random(6)
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for i in range(120):
        data = bytearray(pdf)
        if i % 3 == 0:
            data = data[: rng.randrange(10, len(data))]
        elif i % 3 == 1:
            for _ in range(rng.randrange(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            at = rng.randrange(len(data))
            data[at:at + rng.randrange(1, 200)] = rng.randbytes(rng.randrange(1, 200))
        (folder / f"damaged{i:03d}.pdf").write_bytes(bytes(data))
    docs, skipped = load_documents([folder], progress=False)
    assert len(docs) + len(skipped) >= 2 and skipped  # some read despite the damage, some not
    read = {Path(d.source).name for d in docs} | {Path(a).name for d in docs for a in d.aliases}
    assert len(read) + len(skipped) == 120
    for path, reason in skipped:
        assert reason.startswith(("malformed PDF", "PDF has no extractable text", "cannot be parsed")), (path, reason)


# -- symbolic links --------------------------------------------------------------------------
def test_symlink_loops_are_named_and_linked_folders_read_once(tmp_path):
    root = tmp_path / "docs"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "deep.txt").write_text("Deep note\n\nMoles dig up to 20 metres of tunnel a day.", encoding="utf-8")
    os.symlink(root, root / "a" / "b" / "to-top")  # loop back to the top
    os.symlink(root / "a" / "b", root / "shortcut")  # a second route to a folder: read once
    os.symlink("missing.txt", root / "dangling.txt")
    os.symlink("self.txt", root / "self.txt")  # a link to itself
    t0 = time.time()
    docs, skipped = load_documents([root, tmp_path / "docs" / "self.txt"], progress=False)
    assert time.time() - t0 < 30  # it finished: no endless walk
    assert [d.title for d in docs] == ["Deep note"]
    reasons = {Path(p).name: why for p, why in skipped}
    assert reasons["to-top"] == "symbolic link loop (leads back to a folder above it)"
    assert reasons["self.txt"] == "symbolic link loop"
    assert reasons["dangling.txt"] == "broken symbolic link (its target does not exist)"
    assert reasons["shortcut"] == "folder already read through another path"  # 'a' sorts first, so 'shortcut' is second


# -- scale: 5,000 small files ----------------------------------------------------------------
class HashingEmbedder:
    """Deterministic bag-of-words vectors (no model): this test measures ingest, not embedding speed.

    BENCHMARKS.md has the real model's throughput; 10,000 texts through it would take minutes on 2 cores.
    """

    dim = 256

    def encode(self, texts, progress=False, desc=""):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest()[:6], 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def encode_query(self, text):
        return self.encode([text])[0]


def test_a_folder_of_5000_small_files(tmp_path):
    folder = tmp_path / "many"
    for sub in range(10):
        (folder / f"box{sub}").mkdir(parents=True)
    words = "orchard ledger copper lantern meadow violet harbor engine signal archive".split()
    for i in range(5000):
        (folder / f"box{i % 10}" / f"note{i:04d}.txt").write_text(
            f"Note {i}: the {words[i % 10]} keeper counted {i * 7 + 3} {words[(i * 3) % 10]} stones.", encoding="utf-8")
    for i in range(5):  # a few bad ones among them
        (folder / f"box{i}" / "zz-empty.txt").write_bytes(b"")
    settings = Settings(index_dir=tmp_path / "idx", embed_model="hashing-test")
    t0 = time.time()
    report = build_index([folder], settings, embedder=HashingEmbedder(), show_progress=False)
    seconds = time.time() - t0
    print(f"\n5,000 small files indexed in {seconds:.1f} s (hashing embedder)")
    assert report.documents == 5000 and report.passages == 5000
    assert sorted(Path(p).name for p, _ in report.skipped) == ["zz-empty.txt"] * 5
    index = load_index(settings)
    assert len(index.documents) == 5000
    note = next(d for d in index.documents.values() if d.source.endswith("note4321.txt"))
    assert note.text == f"Note 4321: the {words[1]} keeper counted {4321 * 7 + 3} {words[3]} stones."


# -- duplicates ----------------------------------------------------------------------------------
def test_duplicate_content_under_two_names_is_indexed_once_with_both_names(tmp_path, embedder):
    src = tmp_path / "src"
    src.mkdir()
    article = (SEEDS / "mosul-amnesty-report.txt").read_text(encoding="utf-8")
    (src / "mosul.txt").write_text(article, encoding="utf-8")
    (src / "copy of mosul.txt").write_text(article.replace("\n", "\r\n"), encoding="utf-8")  # same clean text
    (src / "other.txt").write_text("Ferry notes\n\nThe ferry to Islay leaves at 7 o'clock.", encoding="utf-8")
    idx = tmp_path / "idx"
    report = build_index([src], Settings(index_dir=idx), embedder=embedder, show_progress=False)
    assert report.documents == 2
    [dup] = [d for d in read_manifest(idx)["documents"] if d["title"].startswith("Iraqi")]
    assert [Path(dup["source"]).name, *(Path(a).name for a in dup["aliases"])] == ["copy of mosul.txt", "mosul.txt"]
    index = load_index(Settings(index_dir=idx))
    assert index.documents[dup["doc_id"]].sources == (dup["source"], *dup["aliases"])

    info = rag("info", "--index-dir", idx)
    assert info.returncode == 0, info.stderr
    [line] = [ln for ln in info.stdout.splitlines() if dup["doc_id"] in ln]
    assert "copy of mosul.txt" in line and "/mosul.txt" in line
    from rag_ui.app import documents_frame  # the web app's Sources table

    table = documents_frame(read_manifest(idx))
    assert "copy of mosul.txt, mosul.txt" in list(table["File"])

    # Removing the document removes it under both names (neither file brings it back on a refresh).
    from rag.assistant import Assistant

    Assistant(Settings(index_dir=idx), embedder=embedder).remove_document(dup["doc_id"])
    build_index([], Settings(index_dir=idx), embedder=embedder, show_progress=False)
    assert [d["title"] for d in read_manifest(idx)["documents"]] == ["Ferry notes"]
