"""The build directories under ``index/builds/``: one build at a time, the swap, the clean-up.

A build writes into a temporary directory (``builds/.tmp-<stamp>-<pid>``), renames it to
``builds/<stamp>`` when complete, and only then repoints the ``current`` symlink with one
atomic rename; a build that dies half-way leaves the previous index serving. The build
before stays on disk for readers that opened it; older ones, and whatever killed builds
left, are deleted. A lock file (``.build.lock``) lets one build run at a time per index
directory, across processes. Vectors a build keeps outside its directory (a Milvus
collection) are dropped with it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from . import vector_store, vectors_base
from .manifest import MANIFEST_FILE, BuildError, current_build

log = logging.getLogger(__name__)

LOCK_FILE = ".build.lock"


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: bool = True) -> Iterator[bool]:
    """One build at a time per index directory, across processes (CLI and server).

    Yields whether the lock is held: with ``wait`` false, False at once when another
    process holds it.
    """
    with open(index_dir / LOCK_FILE, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            log.warning("waiting for another build of '%s' to finish...", index_dir)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def new_build_dir(index_dir: Path) -> tuple[Path, str]:
    """A fresh temporary build directory and the build's name (a UTC time stamp: names sort by time)."""
    (index_dir / "builds").mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = index_dir / "builds" / f".tmp-{stamp}-{os.getpid()}"
    tmp.mkdir(parents=True)
    return tmp, stamp


def finish_build(tmp: Path, stamp: str) -> Path:
    """A complete temporary build directory, renamed to its final name."""
    final = tmp.parent / stamp
    os.rename(tmp, final)
    return final


def swap_in(index_dir: Path, final: Path) -> None:
    """Make ``final`` the current build, keep the one before it, delete older ones."""
    previous = current_build(index_dir)
    swap_current(index_dir, final)
    remove_stale_builds(index_dir, keep={b for b in (final, previous) if b is not None})


def swap_current(index_dir: Path, target: Path) -> None:
    """Point ``current`` at ``target`` with one atomic rename."""
    tmp_link = index_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(Path("builds") / target.name, tmp_link)
    os.replace(tmp_link, index_dir / "current")


def remove_build(build: Path) -> None:
    """Delete a build directory and the vectors it keeps elsewhere.

    When those vectors cannot be dropped now (their Milvus server is down), the directory is
    emptied but for the record naming them, so the next clean-up (the next load or build)
    tries again rather than forgetting a collection on the server.
    """
    if drop_external_vectors(build):
        shutil.rmtree(build, ignore_errors=True)
        return
    for child in build.iterdir() if build.is_dir() else ():
        if child.name not in (MANIFEST_FILE, vectors_base.PENDING_RECORD):
            shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
    log.warning("kept %s: the vectors it names could not be dropped now (their store cannot be reached)", build)


def remove_stale_builds(index_dir: Path, keep: set[Path]) -> None:
    """Delete builds other than ``keep`` and leftovers of crashed ones.

    The previous build is kept: a process that resolved ``current`` just before the
    swap can still read it.
    """
    keep = {k.resolve() for k in keep}
    for child in (index_dir / "builds").iterdir():
        if child.resolve() not in keep:
            remove_build(child)


def remove_stale_temp(index_dir: Path) -> None:
    """Delete what killed builds left behind (``builds/.tmp-*``, ``.current-*``), unless a build is running.

    Called on every load, so leftovers never pile up; without the build lock (another
    process is building) nothing is touched, as its temporary directory is in use.
    """
    index_dir = Path(index_dir)
    if not (index_dir / "builds").is_dir():
        return
    try:
        with build_lock(index_dir, wait=False) as held:
            if held:
                remove_temp_files(index_dir)
    except OSError:
        pass  # a read-only index: nothing can be cleaned, and loading must still work


def remove_temp_files(index_dir: Path) -> None:
    """Delete what killed builds left; the caller holds the build lock, so no build is running.

    That is: temporary build directories, temporary ``current`` links, and complete builds
    newer than ``current`` (killed between finishing and the swap; build names sort by time).
    """
    builds = index_dir / "builds"
    for child in builds.glob(".tmp-*") if builds.is_dir() else ():
        remove_build(child)
    for link in index_dir.glob(".current-*"):
        with contextlib.suppress(OSError):
            link.unlink()
    current = current_build(index_dir)
    if current is not None and current.parent == builds.resolve():
        for child in builds.iterdir():
            if not child.name.startswith(".") and child.name > current.name:
                remove_build(child)


def drop_external_vectors(build: Path) -> bool:
    """A deleted build's vectors kept outside its directory (a Milvus collection) go with it; False when
    they could not be dropped now.

    Named by the manifest, or for a build that died before writing one, by the record
    written before the vectors were (vectors_base.PENDING_RECORD).
    """
    for name, key in ((MANIFEST_FILE, "dense_index"), (vectors_base.PENDING_RECORD, None)):
        try:
            record = json.loads((build / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if key and isinstance(record, dict):
            record = record.get(key)
        if isinstance(record, dict) and record:
            return vector_store.drop_recorded(record)
    return True


NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


def out_of_space(exc: BaseException) -> bool:
    """Whether ``exc``, or an error it was raised from or while handling, is a full disk or an exceeded quota.

    Python's writes raise OSError(ENOSPC); FAISS's C++ writer raises a RuntimeError whose
    message carries the system's words for it.
    """
    words = tuple(os.strerror(e) for e in NO_SPACE)
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, OSError) and link.errno in NO_SPACE or any(w in str(link) for w in words):
            return True
        link = link.__cause__ or link.__context__
    return False


def no_space_error(index_dir: Path) -> BuildError:
    """The one-line error of a build that ran out of disk space, once its directory is gone (what is free then)."""
    try:
        free = f"{shutil.disk_usage(index_dir).free / 1e6:.1f} MB free there now"
    except OSError:
        free = "free space unknown"
    return BuildError(
        f"no space left on the disk holding '{index_dir}' while writing the new index ({free}; a rebuild "
        "needs room for a second copy of the index beside the current one): free some space and run it "
        "again. The previous index is unchanged and still current."
    )
