"""A full disk: a rebuild that runs out of space keeps the old index serving, leaves nothing behind, and says so in one line.

Each test mounts its own small tmpfs (root only; elsewhere the tests skip, and under
CI=true they fail, like every missing component: tests/components.py) holding a copy of
the seed index, then adds more text than fits: through the real `rag ingest`, in process
with the disk filled to several levels (so space runs out at different steps of the
build), and through the web app's /rebuild while it serves.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from components import can_mount_tmpfs, require_module, tmpfs
from conftest import ROOT
from ui_support import copy_index, filler_text

from rag.ingest.build import build_index
from rag.settings import Settings
from rag.store.index import load_index
from rag.store.manifest import BuildError

MOUNTABLE, WHY = can_mount_tmpfs()
require_module(MOUNTABLE, f"a tmpfs mount ({WHY})", "run the tests as root (make test does, on CI)")

QUESTION = "How many civilians does Amnesty say were killed?"
ONE_LINE = re.compile(r"^rag: error: no space left on the disk holding '[^']+' while writing the new index "
                      r"\(\d+\.\d MB free there now; a rebuild needs room for a second copy of the index beside the "
                      r"current one\): free some space and run it again\. The previous index is unchanged and still "
                      r"current\.$")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}


def rag(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=ENV)


def snapshot(index_dir: Path) -> dict:
    """What is on the small disk: every file under the index directory (links as their targets), with its size."""
    out = {}
    for p in sorted(index_dir.rglob("*")):
        rel = str(p.relative_to(index_dir))
        out[rel] = f"-> {os.readlink(p)}" if p.is_symlink() else None if p.is_dir() else p.stat().st_size
    return out


def filler(folder: Path, lines: int) -> Path:
    """A text file (off the small disk) whose index is larger than the space left."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ledger.txt"
    path.write_text(filler_text(lines))
    return path


@pytest.fixture
def small_disk(tmp_path, seed_index_dir):
    """A 1 MB tmpfs holding a copy of the seed index (about 0.25 MB): room for one more build of it, not of much more."""
    with tmpfs(tmp_path / "disk", 1024 * 1024) as disk:
        yield copy_index(seed_index_dir, disk / "index")


def test_rag_ingest_out_of_space_is_one_line_and_the_old_index_stays(small_disk, tmp_path):
    before = snapshot(small_disk)
    old = rag("ask", "--json", "--index-dir", small_disk, QUESTION)
    assert old.returncode == 0, old.stderr

    r = rag("ingest", "--quiet", "--index-dir", small_disk, "--add", filler(tmp_path / "src", 1500))
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and ONE_LINE.match(lines[0]), r.stderr  # not four chained tracebacks
    assert f"'{small_disk}'" in lines[0]
    assert snapshot(small_disk) == before  # the failed build took its directory with it: nothing left behind

    # the next start answers from the old index, exactly as before, and still finds nothing to clean
    again = rag("ask", "--json", "--index-dir", small_disk, QUESTION)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(old.stdout)
    assert snapshot(small_disk) == before


@pytest.mark.parametrize("left_kb", [8, 120, 400, 510, 600])
def test_space_running_out_at_any_step_keeps_the_old_index(small_disk, tmp_path, embedder, left_kb):
    """The disk filled so that only ``left_kb`` is free: the build runs out of space at a different step (writing
    the documents' text, appending vectors, saving the passage tables) or fits; never half of one."""
    settings = Settings(index_dir=small_disk)
    before, current = snapshot(small_disk), (small_disk / "current").resolve()
    ballast = small_disk.parent / "ballast"
    free = shutil.disk_usage(small_disk).free
    with open(ballast, "wb") as fh:
        fh.write(b"\0" * max(0, free - left_kb * 1024))
    source = filler(tmp_path / "src", 100)
    try:
        report = build_index([source], settings, add=True, embedder=embedder, show_progress=False)
    except BuildError as exc:
        assert str(exc).startswith(f"no space left on the disk holding '{small_disk}'"), exc
        assert (small_disk / "current").resolve() == current
        assert snapshot(small_disk) == before
        assert len(load_index(settings).documents) == 1  # loads and serves as before
        # room again: the same rebuild succeeds, nothing of the failed one in its way
        ballast.unlink()
        report = build_index([source], settings, add=True, embedder=embedder, show_progress=False)
    else:
        assert left_kb > 120, f"{left_kb} KB should not hold the new build"
    assert report.documents == 2 and len(load_index(settings).documents) == 2
    assert not [p for p in (small_disk / "builds").iterdir() if p.name.startswith(".")]


def test_a_full_disk_is_recognised_in_python_and_faiss_errors(tmp_path):
    """Python's writes raise OSError(ENOSPC); FAISS's C++ writer a RuntimeError naming it: both are a full disk."""
    import faiss
    import numpy as np

    from rag.store.dirs import out_of_space

    with tmpfs(tmp_path / "tiny", 64 * 1024) as disk:
        index = faiss.IndexFlatIP(384)
        index.add(np.ones((200, 384), dtype=np.float32))
        with pytest.raises(RuntimeError, match="No space left on device") as faiss_error:
            faiss.write_index(index, str(disk / "dense.faiss"))
        with pytest.raises(OSError) as python_error:
            (disk / "big.bin").write_bytes(b"\0" * 128 * 1024)
    assert out_of_space(faiss_error.value) and out_of_space(python_error.value)
    try:
        try:
            raise python_error.value
        except OSError:
            raise ValueError("closing failed too")  # noqa: B904 - the chain as a `with` block's exit makes it
    except ValueError as chained:
        assert out_of_space(chained)
    assert not out_of_space(OSError(13, "Permission denied")) and not out_of_space(ValueError("bad"))
