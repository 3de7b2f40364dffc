"""Building an index: documents in, a complete build directory out, swapped in as ``current``.

A build reads its documents once, one at a time, and holds at most a window of passages'
text. Text, cache keys and vectors are written out as they are made (rag/ingest/spool.py); what
stays in memory grows only with the BM25 term ids, the words seen and one manifest entry
per document. The steps, in order:

    BuildWriter(...)          open the row spools of a new build directory (rag/ingest/writer.py)
    writer.add_document(doc)  split one document, write its text, notes and layout, queue its passages
    writer.flush()            vectors for the window of queued passages (cache, else model)
    writer.write_files(...)   the .npy files, words, passage vectors (FAISS or Milvus), BM25
    write_manifest(...)       the manifest, last: a directory without one is incomplete
    finish_build, swap_in     rename the directory and repoint ``current`` (rag/store/dirs.py)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sized
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from ..settings import Settings
from ..store import milvus_store
from ..store.dirs import (
    build_lock,
    finish_build,
    new_build_dir,
    no_space_error,
    out_of_space,
    remove_build,
    remove_temp_files,
    swap_in,
)
from ..store.documents import Document
from ..store.manifest import BuildError, existing_build, recorded_sources, write_manifest
from .sources import DocumentStream
from .spool import VectorCache
from .unchanged import build_checksums, copy_unchanged
from .vectors import (
    BackendChanged,
    BuildVectors,
    planned_backend,
    previous_vectors,
)
from .writer import BuildWriter

ProgressFn = Callable[[float, str], None]
WINDOW = 1024  # passages embedded together: sorted by length inside, so batches pad little
OVERLAP = (
    True  # a window embeds while the next one is read and split (docs/TUNING.md, "Embedding against the int8 roofline")
)


@dataclass
class BuildReport:
    """What a build did."""

    path: Path
    documents: int
    passages: int
    embedded: int
    reused: int
    skipped: list[tuple[str, str]]
    seconds: float


def _no_progress(frac: float, message: str) -> None:
    pass


@dataclass
class BuildJob:
    """What a build was asked for, besides its documents."""

    settings: Settings
    sources: list[str]
    skipped: list[tuple[str, str]]  # a DocumentStream fills it as it reads: looked at only after reading
    old_added: dict[str, str] = field(default_factory=dict)  # doc_id -> when the current index added it
    excluded: list[str] = field(default_factory=list)
    progress: ProgressFn = _no_progress
    show_progress: bool = True
    t0: float = field(default_factory=time.time)
    stats: dict[str, list[int]] = field(default_factory=dict)  # a DocumentStream's [size, mtime_ns] per file read


def build_index(
    paths: list[Path],
    settings: Settings,
    *,
    add: bool = False,
    exclude: list[Path] | None = None,
    embedder=None,
    progress: ProgressFn | None = None,
    show_progress: bool = True,
) -> BuildReport:
    """Build an index from the files and folders in ``paths`` and make it current.

    ``add`` keeps the current index's sources and adds ``paths``; no ``paths``
    and no ``add`` re-reads the recorded sources. ``exclude`` names files to
    leave out (remembered with the sources, so a removed document stays removed
    on refresh). Raises BuildError when no document could be read; the previous
    index is then untouched.
    """
    index_dir = Path(settings.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with build_lock(index_dir):
        t0 = time.time()
        remove_temp_files(index_dir)  # left by a build that was killed; we hold the lock, so none is running
        recorded, excluded, old_added = recorded_sources(index_dir)
        sources, excluded = choose_sources(recorded, excluded, paths, add=add, exclude=exclude)
        stream = DocumentStream([Path(s) for s in sources], exclude=set(excluded))
        same = copy_unchanged(index_dir, settings, sources, excluded, stream, *planned_backend(settings, embedder))
        if same is not None:  # nothing changed: the current build copied, no file read
            vectors = same["passages"] + (same["sentences"] if same.get("sentence_vectors") else 0)
            return BuildReport(
                existing_build(index_dir),
                len(same["documents"]),
                same["passages"],
                0,
                vectors,
                [(p, r[2]) for p, r in same["unreadable"].items()],
                time.time() - t0,
            )
        return write_index(
            stream,
            sources,
            settings,
            skipped=stream.skipped,
            old_added=old_added,
            excluded=excluded,
            embedder=embedder,
            progress=progress,
            show_progress=show_progress,
            t0=t0,
        )


def choose_sources(
    recorded: list[str], excluded: list[str], paths: list[Path], *, add: bool, exclude: list[Path] | None
) -> tuple[list[str], list[str]]:
    """The sources and excluded files of a new build, from the current index's and the request's.

    Raises BuildError when that leaves nothing to index.
    """
    given = [str(Path(p).resolve()) for p in paths]
    if add or not given:
        sources = list(dict.fromkeys(recorded + given))
        excluded = [e for e in excluded if e not in given]  # a path given again is wanted again
    else:
        sources, excluded = given, []
    dropped = [str(Path(p).resolve()) for p in exclude or []]
    sources = [s for s in sources if s not in dropped]  # an excluded file that is itself a source goes
    excluded = list(dict.fromkeys(excluded + dropped))
    if not sources:
        raise BuildError("nothing to index: give files or folders (no sources are recorded yet)")
    return sources, excluded


def write_index(
    docs: Iterable[Document],
    sources: list[str],
    settings: Settings,
    *,
    skipped: list[tuple[str, str]] | None = None,
    old_added: dict[str, str] | None = None,
    excluded: list[str] | None = None,
    embedder=None,
    progress: ProgressFn | None = None,
    show_progress: bool = True,
    t0: float | None = None,
    with_sentences: bool = True,
) -> BuildReport:
    """Index ``docs`` into a fresh build directory and swap it in as current.

    ``docs`` is read once, one document at a time: a list, or a sources.DocumentStream
    that reads its files as it goes. Documents with the same id (the same text) are one
    document that lists every source. ``skipped`` names the files that could not be read
    (a DocumentStream fills its list while it is read); they are dropped from ``sources``.
    Raises BuildError when no document was read; the previous index is then untouched.
    ``with_sentences=False`` skips sentence vectors (retrieval-only indexes for
    benchmarks); answers then score evidence by the passage vector and words.
    """
    milvus_store.configure(settings)  # a Milvus server's token, and the database new collections go to
    job = BuildJob(
        settings,
        sources,
        skipped if skipped is not None else [],
        old_added or {},
        list(excluded or []),
        progress or _no_progress,
        show_progress,
        t0 or time.time(),
        getattr(docs, "stats", {}),
    )
    backend, graph = planned_backend(settings, embedder)
    vectors = BuildVectors(
        settings, embedder, backend, graph, previous_vectors(settings, backend, graph), with_sentences
    )
    try:
        return write_build(docs, vectors, job)
    except BackendChanged as changed:
        # the model's export failed as it loaded: its torch vectors must not mix with the cached
        # ones already used, so the build starts again without a cache (a DocumentStream re-reads)
        return write_build(
            docs,
            BuildVectors(
                settings, changed.embedder, changed.embedder.backend, None, VectorCache.empty(), with_sentences
            ),
            job,
        )


def write_build(docs: Iterable[Document], vectors: BuildVectors, job: BuildJob) -> BuildReport:
    """Write a complete build directory and swap it in; if anything fails, the directory goes and
    ``current`` is untouched."""
    index_dir = Path(job.settings.index_dir)
    tmp, stamp = new_build_dir(index_dir)
    writer: BuildWriter | None = None
    try:
        writer = BuildWriter(tmp, vectors, job.settings, job.old_added, background=OVERLAP)
        read_documents(docs, writer, job)
        job.progress(0.88, "Writing index")
        # a Milvus collection is the build's own, named after it: the previous build keeps serving from its own
        dense_info = writer.write_files(job.settings.vector_store, f"rag_{stamp}_{os.getpid()}")
        write_manifest(tmp, {**writer.manifest(job, dense_info), "checksums": build_checksums(tmp)})
        final = finish_build(tmp, stamp)
    except BaseException as exc:
        if writer is not None:
            with suppress(OSError):  # closing flushes, which fails again on a full disk; the directory goes anyway
                writer.close()
        remove_build(tmp)
        if out_of_space(exc):  # one line naming the problem, not the four chained write errors behind it
            raise no_space_error(index_dir) from None
        raise
    swap_in(index_dir, final)
    job.progress(1.0, "Done")
    return BuildReport(
        final,
        len(writer.records),
        writer.spools.passages.rows,
        vectors.embedded,
        vectors.reused,
        list(job.skipped),
        time.time() - job.t0,
    )


def read_documents(docs: Iterable[Document], writer: BuildWriter, job: BuildJob) -> None:
    """Every document into ``writer``, its passages' vectors a window at a time; raises BuildError
    when none could be read."""
    total = len(docs) if isinstance(docs, Sized) else None
    progress = BuildProgress(writer, total, job.progress, job.show_progress)
    done = 0
    with writer.texts(), progress.bar:
        for doc in docs:
            done += 1
            if writer.add_document(doc) and len(writer.window) >= WINDOW:
                progress.flush(done)
        progress.flush(done)
        progress.finish(done)
        if total:
            progress.bar.n = total  # files that could not be read were counted in the total too
    if not writer.records:
        reasons = "; ".join(f"{p}: {r}" for p, r in job.skipped) or "no supported files found"
        raise BuildError(f"no document could be read ({reasons})")
    writer.vectors.release()


class BuildProgress:
    """The console bar (a file counts as done once its passages have their vectors) and the caller's progress function."""

    def __init__(self, writer: BuildWriter, total: int | None, report: ProgressFn, show: bool):
        from tqdm.auto import tqdm

        self.writer, self.total, self.report = writer, total, report
        self.in_flight = 0  # files read up to the window embedding in the background
        self.bar = tqdm(total=total, desc="Indexing", unit="file", disable=not show)

    def tell(self, message: str) -> None:
        self.bar.set_postfix(
            passages=self.writer.spools.passages.rows, embedded=self.writer.vectors.embedded, refresh=True
        )
        self.report(0.02 + 0.86 * (self.bar.n / self.total if self.total else 0.0), message)

    def flush(self, done: int) -> None:
        """The writer's window flushed (the previous one's vectors collected), and the files of that one counted as done."""
        self.writer.flush(lambda n: self.tell(f"Embedding ({self.writer.vectors.embedded} vectors so far)"))
        self._count(self.in_flight if self.writer.background else done)
        self.in_flight = done

    def finish(self, done: int) -> None:
        """The last window's vectors collected: every file done."""
        self.writer.collect()
        self._count(done)

    def _count(self, done: int) -> None:
        self.bar.update(done - self.bar.n)
        self.tell(f"Indexed {self.writer.spools.passages.rows} passages")
