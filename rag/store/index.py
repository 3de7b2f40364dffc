"""The loaded index: one build directory read back for retrieval.

Layout of ``index_dir``::

    current -> builds/<build-id>     (a symlink; replaced atomically)
    builds/<build-id>/manifest.json  model, dimension, chunking, documents, sources, build time, format
                      documents.json clean text of every document (offsets point into it)
                      passages.npy   per passage: document number, start, end, sentence count
                      sentence_spans.npy  per sentence: start, end (offsets in its document's text)
                      statements.jsonl   per document: statements attributed to speakers, and its links
                                     (abbreviations and short names, rag/text/links.py)
                      layout.jsonl   per document with pages or headings: where each page starts, and each
                                     heading's offset, level and text (rag/store/layout.py)
                      words.txt      the corpus's surface words (lower case), for the refusal check
                      dense.faiss    passage vector index (inner product on normalised vectors)
                      passage_vectors.npy  the passage vectors as embedded (the embedding cache reads them)
                      sentences.npy  sentence vectors, in passage order
                      passage_keys.npy, sentence_keys.npy   embedding cache keys (sha1 of the text embedded), row for row
                      bm25/          bm25s index over passage terms
                      term_df.json   passages containing each BM25 term

Where the rest lives: the manifest and its checks in rag/store/manifest.py, the build in
rag/ingest/build.py (its vectors in rag/ingest/vectors.py, the directories' lock, swap and clean-up
in rag/store/dirs.py), statements and links in rag/store/notes.py, passage vectors (FAISS or
Milvus) in rag/store/vector_store.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..settings import Settings
from ..text.attribution import Statement
from ..text.links import Links
from .dirs import remove_stale_temp
from .documents import Document
from .layout import NOWHERE, DocumentLayout, Place, layouts, read_layout
from .manifest import (
    StoreUnreachable,
    check_compatible,
    corrupt,
    existing_build,
    read_manifest,
)
from .milvus_store import configure as configure_milvus
from .notes import load_notes
from .passage_table import PassageTable
from .vector_store import open_store, stored_passage_vectors
from .vectors_base import VectorStore

if TYPE_CHECKING:
    import bm25s


@dataclass
class Index:
    """A loaded index: documents, passages, vectors, BM25 and attributed statements, ready for retrieval."""

    path: Path
    manifest: dict
    documents: dict[str, Document]
    passages: PassageTable
    dense: VectorStore  # passage vectors, row = passage id
    bm25: bm25s.BM25
    sentence_vectors: np.ndarray  # one row per sentence, passage after passage
    statements: dict[str, list[Statement]] = field(default_factory=dict)  # per document, in document order
    links: dict[str, Links] = field(default_factory=dict)  # per document
    term_df: dict[str, int] = field(default_factory=dict)
    surface_words: frozenset[str] = frozenset()
    layouts: dict[str, DocumentLayout] = field(default_factory=dict)  # documents with pages or headings

    def passage_sentences(self, pid: int) -> range:
        """Rows in ``sentence_vectors`` of passage ``pid``'s sentences."""
        return self.passages.sentence_rows(pid)

    def place(self, doc_id: str, start: int, end: int) -> Place:
        """The page(s) and section of characters ``start``..``end`` of a document (each None when it has none)."""
        layout = self.layouts.get(doc_id)
        return layout.place(start, end) if layout else NOWHERE

    def passage_place(self, pid: int) -> Place:
        """The page(s) and section of passage ``pid``."""
        p = self.passages[pid]
        return self.place(p.doc_id, p.start, p.end)

    def title(self, doc_id: str) -> str:
        return self.documents[doc_id].title


def load_index(settings: Settings) -> Index:
    """Load the current index under ``settings.index_dir`` and check it matches ``settings``."""

    index_dir = Path(settings.index_dir)
    configure_milvus(settings)  # a Milvus server's token (the manifest names the server and database)
    remove_stale_temp(index_dir)
    manifest = read_manifest(index_dir)
    check_compatible(manifest, settings, index_dir)
    build = existing_build(index_dir)
    try:
        index = _read_build(build, manifest)
    except StoreUnreachable:
        raise  # the index is fine; its vector store is not reachable (the message says how to fix it)
    except Exception as exc:  # a damaged file makes json, numpy, faiss and bm25s raise almost anything (EOFError, ...)
        raise corrupt(index_dir, f"{type(exc).__name__}: {exc}") from exc
    if index.dense.d != manifest["dim"]:
        raise corrupt(index_dir, f"vectors of dimension {index.dense.d}, manifest says {manifest['dim']}")
    if index.dense.ntotal != len(index.passages) or index.sentence_vectors.shape[0] != int(
        index.passages.sentence_counts.sum()
    ):
        raise corrupt(index_dir, "vector counts do not match passages")
    return index


def _read_build(build: Path, manifest: dict) -> Index:
    """Every file of a build, as an Index (unchecked)."""
    import bm25s

    docs_raw = json.loads((build / "documents.json").read_text(encoding="utf-8"))
    # aliases are in the manifest (a streaming build learns of a duplicate after writing the text)
    aliases = {d["doc_id"]: tuple(d.get("aliases", ())) for d in manifest.get("documents", [])}
    placed = read_layout(build)
    documents = {
        d["doc_id"]: Document(
            d["doc_id"],
            d["title"],
            d["source"],
            d["text"],
            aliases.get(d["doc_id"], ()),
            *placed.get(d["doc_id"], ((), ())),
        )
        for d in docs_raw
    }
    passages = PassageTable(
        [d["doc_id"] for d in docs_raw],
        documents,
        np.load(build / "passages.npy"),
        np.load(build / "sentence_spans.npy"),
    )
    dense = open_store(build, manifest)
    if manifest.get("sentence_vectors", True):
        sentence_vectors = np.load(build / "sentences.npy", mmap_mode="r")  # paged in as evidence is scored
    else:  # retrieval-only index: each sentence borrows its passage's vector
        sentence_vectors = np.repeat(stored_passage_vectors(build, dense), passages.sentence_counts, axis=0)
    bm25 = bm25s.BM25.load(str(build / "bm25"), show_progress=False)
    term_df = json.loads((build / "term_df.json").read_text(encoding="utf-8"))
    statements, links = load_notes(build, manifest, documents, passages)
    surface = frozenset(w for w in (build / "words.txt").read_text(encoding="utf-8").split("\n") if w)
    return Index(
        build,
        manifest,
        documents,
        passages,
        dense,
        bm25,
        sentence_vectors,
        statements,
        links,
        term_df,
        surface,
        layouts(documents),
    )
