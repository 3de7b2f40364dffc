"""Building an index: documents in, a complete build directory out, swapped in as ``current``.

A build reads its documents once, one at a time, and holds at most a window of passages'
text. Text, cache keys and vectors are written out as they are made (rag/ingest/spool.py); what
stays in memory grows only with the BM25 term ids, the words seen and one manifest entry
per document. The steps, in order:

    BuildWriter(...)          open the row spools of a new build directory
    writer.add_document(doc)  split one document, write its text, notes and layout, queue its passages
    writer.flush()            vectors for the window of queued passages (cache, else model)
    writer.write_files(...)   the .npy files, words, passage vectors (FAISS or Milvus), BM25
    write_manifest(...)       the manifest, last: a directory without one is incomplete
    finish_build, swap_in     rename the directory and repoint ``current`` (rag/store/dirs.py)
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import numpy as np

from ..settings import Settings
from ..store import milvus_store, vector_store
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
from ..store.documents import Document, Passage
from ..store.layout import LAYOUT_FILE, layout_line
from ..store.manifest import BuildError, existing_build, new_manifest, recorded_sources, write_manifest
from ..store.notes import NOTES_FILE, notes_line
from ..store.passage_table import PASSAGE_COLUMNS, SENTENCE_COLUMNS
from ..store.vector_store import PASSAGE_VECTORS_FILE
from ..text.terms import terms_of_words, words
from .notes import previous_notes
from .passages import split_document
from .sources import DocumentStream, merge_duplicate
from .spool import KEY_BYTES, RowSpool, TermIds, VectorCache
from .unchanged import build_checksums, copy_unchanged
from .vectors import (
    BackendChanged,
    BuildVectors,
    Queued,
    planned_backend,
    previous_vectors,
)

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


@dataclass
class Spools:
    """A build's row files, appended to as documents are read and saved as .npy files at the end."""

    passage_vectors: RowSpool
    sentence_vectors: RowSpool
    passage_keys: RowSpool
    sentence_keys: RowSpool
    passages: RowSpool  # document number, start, end, sentence count
    sentence_spans: RowSpool  # start, end in the document's text

    @classmethod
    def open(cls, build: Path) -> Spools:
        key = f"S{KEY_BYTES}"
        return cls(
            RowSpool(build / ".passage-vectors", "float32"),
            RowSpool(build / ".sentence-vectors", "float32"),
            RowSpool(build / ".passage-keys", key),
            RowSpool(build / ".sentence-keys", key),
            RowSpool(build / ".passage-rows", "int64", PASSAGE_COLUMNS),
            RowSpool(build / ".sentence-spans", "int64", SENTENCE_COLUMNS),
        )

    def add_passages(self, doc_no: int, passages: list[Passage]) -> None:
        """A document's passages and their sentences' offsets."""
        self.passages.append(
            np.array([(doc_no, p.start, p.end, len(p.sentences)) for p in passages], dtype=np.int64).reshape(
                -1, PASSAGE_COLUMNS
            )
        )
        self.sentence_spans.append(
            np.array([s for p in passages for s in p.sentences], dtype=np.int64).reshape(-1, SENTENCE_COLUMNS)
        )

    def add_vectors(self, window: list[Queued], out: list[tuple[np.ndarray, list[np.ndarray]]]) -> None:
        """The vectors of a window of passages (BuildVectors.compute) and their cache keys."""
        self.passage_vectors.append(np.stack([v for v, _ in out]))
        sentence_rows = [sv for _, svs in out for sv in svs]
        if sentence_rows:
            self.sentence_vectors.append(np.stack(sentence_rows))
        self.passage_keys.append(np.array([q.key for q in window], dtype=f"S{KEY_BYTES}"))
        self.sentence_keys.append(np.array([k for q in window for k in q.sentence_keys], dtype=f"S{KEY_BYTES}"))

    def save_rows(self, build: Path, dim: int | None) -> None:
        """Everything but the passage vectors, as the build's .npy files."""
        self.sentence_vectors.width = self.sentence_vectors.width or dim
        self.sentence_vectors.save(build / "sentences.npy")
        self.passage_keys.save(build / "passage_keys.npy")
        self.sentence_keys.save(build / "sentence_keys.npy")
        self.passages.save(build / "passages.npy")
        self.sentence_spans.save(build / "sentence_spans.npy")

    def close(self) -> None:
        for f in fields(self):
            getattr(self, f.name).close()


class BuildWriter:
    """One build directory being written: documents go in one at a time, its files come out at the end."""

    def __init__(
        self,
        build: Path,
        vectors: BuildVectors,
        settings: Settings,
        old_added: dict[str, str] | None = None,
        background: bool = False,
    ):
        self.build, self.vectors, self.settings = build, vectors, settings
        # embedding overlaps reading and splitting (docs/TUNING.md, "Embedding against the int8 roofline")
        self._embedding = ThreadPoolExecutor(1, thread_name_prefix="embedding") if background else None
        self._pending: tuple[list[Queued], Future] | None = None
        self.old_added = old_added or {}
        self.spools = Spools.open(build)
        self.notes = previous_notes(settings)
        self.heads: dict[str, Document] = {}  # doc_id -> the document without its text, every file name in sources
        self.records: dict[str, dict] = {}  # doc_id -> the rest of the manifest's entry
        self.terms = TermIds()
        self.surface: set[str] = set()  # every lower-cased word, for the refusal check's vocabulary
        self.window: list[Queued] = []  # passages waiting for their vectors
        self._files: tuple[TextIO, TextIO, TextIO] | None = None  # documents, notes, layout: opened by texts()

    @contextmanager
    def texts(self) -> Iterator[None]:
        """documents.json, statements.jsonl and layout.jsonl open for add_document."""
        with (
            open(self.build / "documents.json", "w", encoding="utf-8") as documents_fh,
            open(self.build / NOTES_FILE, "w", encoding="utf-8") as notes_fh,
            open(self.build / LAYOUT_FILE, "w", encoding="utf-8") as layout_fh,
        ):
            self._files = (documents_fh, notes_fh, layout_fh)
            documents_fh.write("[")
            yield
            documents_fh.write("\n]\n")

    def add_document(self, doc: Document) -> bool:
        """Write a document's text, notes and layout (pages, headings) and queue its passages; False
        for a document read before under another name, which becomes an alias of it."""
        if self._files is None:
            raise RuntimeError("BuildWriter.add_document is called inside `with writer.texts():`")
        documents_fh, notes_fh, layout_fh = self._files
        first = self.heads.get(doc.doc_id)
        if first is not None:
            self.heads[doc.doc_id] = merge_duplicate(first, doc)
            return False
        doc_no = len(self.records)  # its place in documents.json, which passages.npy refers to
        self.heads[doc.doc_id] = replace(doc, text="", pages=(), headings=())
        passages = split_document(doc, self.settings.max_passage_words, first_pid=self.spools.passages.rows)
        self.records[doc.doc_id] = document_record(doc, passages, self.old_added.get(doc.doc_id))
        # aliases live in the manifest: a duplicate found later cannot change what is written
        documents_fh.write(
            ("," if doc_no else "")
            + "\n"
            + json.dumps(
                {"doc_id": doc.doc_id, "title": doc.title, "source": doc.source, "text": doc.text}, ensure_ascii=False
            )
        )
        line = notes_line(doc.doc_id, self.notes.of(doc, [s for p in passages for s in p.sentences]))
        if line:
            notes_fh.write(line)
        layout = layout_line(doc)
        if layout:
            layout_fh.write(layout)
        self.spools.add_passages(doc_no, passages)
        self.surface.update(words(doc.title.lower()))
        for p in passages:
            queued = self.vectors.queue(p, doc)
            self.window.append(queued)
            lower = words(queued.text.lower())
            self.surface.update(lower)
            self.terms.add(terms_of_words(lower))
        return True

    def flush(self, on_chunk: Callable[[int], None] = lambda n: None) -> None:
        """Vectors for the window's passages, appended to the spools in window order.

        In the background (``background``), the window embeds in the writer's embedding thread
        while the caller reads and splits the next documents; the previous window's vectors are
        collected first, so at most one window is in flight and the spools keep window order.
        """
        self.collect()
        window, self.window = self.window, []
        if not window:
            return
        if self._embedding is None:
            self._add_vectors(window, self.vectors.compute(window, on_chunk))
        else:
            self._pending = (window, self._embedding.submit(self.vectors.compute, window, on_chunk))

    @property
    def background(self) -> bool:
        """Whether windows embed in the background while the next documents are read."""
        return self._embedding is not None

    def collect(self) -> None:
        """Wait for the window embedding in the background, if any, and append its vectors."""
        if self._pending is not None:
            window, future = self._pending
            self._pending = None
            self._add_vectors(window, future.result())

    def _add_vectors(self, window: list[Queued], out: list) -> None:
        if out:
            self.spools.add_vectors(window, out)

    def write_files(self, store: str, name: str) -> dict:
        """The build's data files, the passage vectors in the store ``store`` names (a collection
        there named ``name``); returns the manifest's "dense_index" record. What is written is let go."""
        self.collect()
        if self._embedding is not None:  # every window is in: the embedding thread ends
            self._embedding.shutdown()
        self.spools.save_rows(self.build, self.vectors.dim)
        (self.build / "words.txt").write_text("\n".join(sorted(self.surface)), encoding="utf-8")
        self.surface = set()
        info = write_passage_vectors(self.build, self.spools.passage_vectors, self.vectors.dim, store, name)
        self.terms.bm25().save(str(self.build / "bm25"), show_progress=False)
        (self.build / "term_df.json").write_text(json.dumps(self.terms.df()), encoding="utf-8")
        self.terms = TermIds()
        return info

    def manifest(self, job: BuildJob, dense_info: dict) -> dict:
        """The build's manifest, once its files are written."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        documents = [
            {
                "doc_id": h.doc_id,
                "title": h.title,
                "source": h.source,
                "aliases": list(h.aliases),
                **self.records[h.doc_id],
                "added_at": self.records[h.doc_id]["added_at"] or now,
            }
            for h in self.heads.values()
        ]
        unreadable = {p for p, _ in job.skipped}  # not recorded, so a refresh does not warn about it forever
        reasons = {p: [*job.stats[p], r] for p, r in job.skipped if p in job.stats}
        v = self.vectors
        return new_manifest(
            self.settings,
            backend=v.backend,
            graph=v.graph,
            dim=v.dim,
            dense_index=dense_info,
            built_at=now,
            sources=[s for s in job.sources if s not in unreadable],
            excluded=list(job.excluded),
            documents=documents,
            passages=self.spools.passages.rows,
            sentences=self.spools.sentence_spans.rows,
            sentence_vectors=v.with_sentences,
            sentence_pooling=v.pooling(),
            files={p: st for p, st in job.stats.items() if p not in reasons},
            unreadable=reasons,
        )

    def close(self) -> None:
        if (
            self._embedding is not None
        ):  # a window still embedding is abandoned after its chunk: its vectors are not wanted
            self.vectors.cancelled.set()
            self._embedding.shutdown(wait=False, cancel_futures=True)
        self.spools.close()


def document_record(doc: Document, passages: list[Passage], added_at: str | None) -> dict:
    """A document's entry in the manifest, besides its names."""
    return {
        "passages": len(passages),
        "chars": len(doc.text),
        "sha256": hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
        "added_at": added_at,
    }


def write_passage_vectors(build: Path, vectors: RowSpool, dim: int | None, store: str, name: str) -> dict:
    """The passage vectors into the store ``store`` names, and as embedded into the build directory,
    where the embedding cache reads them (the store may hold 8-bit codes, or be elsewhere)."""
    vectors.width = vectors.width or dim
    info = vector_store.write_store(vector_store.store_spec(store), build, name, vectors).info
    vectors.save(build / PASSAGE_VECTORS_FILE)
    return info
