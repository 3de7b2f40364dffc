"""Writing one build directory: documents in one at a time (BuildWriter), the row spools, the manifest and data files out."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from ..settings import Settings
from ..store import vector_store
from ..store.documents import Document, Passage
from ..store.layout import LAYOUT_FILE, layout_line
from ..store.manifest import new_manifest
from ..store.notes import NOTES_FILE, notes_line
from ..store.passage_table import PASSAGE_COLUMNS, SENTENCE_COLUMNS
from ..store.vector_store import PASSAGE_VECTORS_FILE
from ..text.terms import index_terms, words
from .notes import previous_notes
from .passages import split_document
from .sources import merge_duplicate
from .spool import KEY_BYTES, RowSpool, TermIds
from .vectors import BuildVectors, Queued

if TYPE_CHECKING:
    from .build import BuildJob


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
            self.terms.add(index_terms(queued.text, lower))
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
