"""A rebuild that finds nothing changed copies the current build instead of making it again.

The manifest records every source file's size and modification time as it was read
(``files``, and ``unreadable`` for those that could not be read, with the reason). A
rebuild walks its sources and stats each file: when the same files are there with the
same sizes and times, and the settings the build depends on are the same (and the versions of how a
file is read and its statements found, READING_VERSION and ATTRIBUTION_VERSION), no file is
read and nothing is split, embedded or indexed: the current build's files (text, vectors,
BM25, tables) are copied into a new build directory with a new manifest, and swapped in.
The manifest also records each build file's SHA-1 (``checksums``): a build whose files were
damaged since is built again, not copied.
A file whose size or time differs is read and its content hash compared; the same text
(a file touched or copied back) still counts as unchanged.

Anything else (a file added, removed or edited, other settings, a Milvus store, whose
collection belongs to one build) makes a full build, which reuses the vectors of the
unchanged text through the embedding cache (rag/ingest/vectors.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from ..settings import Settings
from ..store.dirs import finish_build, new_build_dir, remove_build, swap_in
from ..store.layout import LAYOUT_FILE, layout_line
from ..store.manifest import (
    FORMAT_VERSION,
    MANIFEST_FILE,
    READING_VERSION,
    IndexError_,
    current_build,
    read_manifest,
    write_manifest,
)
from ..store.vector_store import record_spec, store_spec
from ..text.attribution import ATTRIBUTION_VERSION
from .sources import DocumentStream, SourceError, file_stat, read_document


def settings_unchanged(manifest: dict, settings: Settings, backend: str, graph: str | None) -> bool:
    """Whether a build with ``settings`` (embedding with ``backend`` and ``graph``) would make the same index."""
    return (
        manifest.get("format_version") == FORMAT_VERSION
        and manifest.get("attribution") == ATTRIBUTION_VERSION
        and manifest.get("reading") == READING_VERSION
        and manifest.get("model") == settings.embed_model
        and manifest.get("chunking") == settings.chunking()
        and manifest.get("embed_backend") == backend
        and manifest.get("embed_graph") == graph
        and manifest.get("sentence_vectors") is True
        and manifest.get("sentence_pooling") == settings.sentence_vectors
        and record_spec(manifest.get("dense_index") or {}) == "faiss" == store_spec(settings.vector_store)
    )


def unchanged_files(manifest: dict, stream: DocumentStream, build: Path) -> tuple[dict, dict] | None:
    """The ``files`` and ``unreadable`` records of the stream's files when none changed, else None.

    A file whose size and time are as recorded is not opened; one whose are not is read, and
    counts as unchanged when it makes the same document (text, title, pages, headings).
    """
    files, unreadable = manifest.get("files") or {}, manifest.get("unreadable") or {}
    names = [str(f) for f in stream.files]
    if stream.unlisted or sorted(names) != sorted([*files, *unreadable]) or not files:
        return None
    new_files: dict[str, list[int]] = {}
    new_unreadable: dict[str, list] = {}
    touched: list[str] = []
    for name in names:
        stat = file_stat(Path(name))
        if stat is None:
            return None
        if name in unreadable:
            if stat != unreadable[name][:2]:
                return None  # it may be readable now
            new_unreadable[name] = unreadable[name]
        else:
            new_files[name] = stat
            if stat != files[name]:
                touched.append(name)
    if touched and not _same_documents(manifest, touched, build):
        return None
    return new_files, new_unreadable


def _same_documents(manifest: dict, names: list[str], build: Path) -> bool:
    """Whether the files ``names`` (whose size or time changed) still make the documents recorded for them."""
    by_file = {f: d for d in manifest["documents"] for f in [d["source"], *d.get("aliases", [])]}
    layouts = {}
    if (build / LAYOUT_FILE).exists():
        for line in (build / LAYOUT_FILE).read_text(encoding="utf-8").splitlines():
            layouts[json.loads(line)["doc_id"]] = line + "\n"
    for name in names:
        try:
            doc = read_document(Path(name))
        except SourceError:
            return False
        old = by_file.get(name)
        if old is None or doc.doc_id != old["doc_id"] or doc.title != old["title"]:
            return False
        if (layout_line(doc) or None) != layouts.get(doc.doc_id):
            return False
    return True


def copy_unchanged(
    index_dir: Path,
    settings: Settings,
    sources: list[str],
    excluded: list[str],
    stream: DocumentStream,
    backend: str,
    graph: str | None,
) -> dict | None:
    """Swap in a copy of the current build when nothing changed; its manifest, or None (build as usual)."""
    try:
        manifest = read_manifest(index_dir)
    except IndexError_:
        return None
    build = current_build(index_dir)
    if (
        build is None
        or manifest.get("sources") != sources
        or manifest.get("excluded", []) != excluded
        or not settings_unchanged(manifest, settings, backend, graph)
    ):
        return None
    records = unchanged_files(manifest, stream, build)
    if records is None or manifest.get("checksums") != build_checksums(build):
        return None  # a damaged build is built again, not copied
    tmp, stamp = new_build_dir(index_dir)
    try:
        copy_build_files(build, tmp)
        manifest = {
            **manifest,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": records[0],
            "unreadable": records[1],
        }
        write_manifest(tmp, manifest)
        final = finish_build(tmp, stamp)
    except BaseException:
        remove_build(tmp)
        raise
    swap_in(index_dir, final)
    return manifest


def build_checksums(build: Path) -> dict[str, str]:
    """The SHA-1 of every file of a build but its manifest (recorded in the manifest), by relative path."""
    sums = {}
    for f in sorted(build.rglob("*")):
        if f.is_file() and f.relative_to(build).as_posix() != MANIFEST_FILE:
            with open(f, "rb") as fh:
                sums[f.relative_to(build).as_posix()] = hashlib.file_digest(fh, "sha1").hexdigest()
    return sums


def copy_build_files(build: Path, target: Path) -> None:
    """Every file of ``build`` but its manifest into ``target``: hard links where the file system allows
    (a finished build's files are never written again), else copies."""
    for src in build.rglob("*"):
        dst = target / src.relative_to(build)
        if src.is_dir():
            dst.mkdir(exist_ok=True)
        elif src.name != MANIFEST_FILE or src.parent != build:
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
