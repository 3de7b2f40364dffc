"""Build, persist and load the search index; rebuilds swap in atomically.

Layout of ``index_dir``::

    current -> builds/<build-id>     (a symlink; replaced atomically)
    builds/<build-id>/manifest.json  model, dimension, chunking, documents, sources, build time, format
                      documents.json clean text of every document (offsets point into it)
                      passages.npy   per passage: document number, start, end, sentence count
                      sentence_spans.npy  per sentence: start, end (offsets in its document's text)
                      statements.jsonl   statements attributed to speakers, per document that has any
                      words.txt      the corpus's surface words (lower case), for the refusal check
                      dense.faiss    passage vector index (inner product on normalised vectors)
                      passage_vectors.npy  the passage vectors as embedded (the embedding cache reads them)
                      sentences.npy  sentence vectors, in passage order
                      passage_keys.npy, sentence_keys.npy   embedding cache keys (sha1 of the text embedded), row for row
                      bm25/          bm25s index over passage terms

A build writes a new ``builds/`` directory and only then repoints ``current``:
a build that dies half-way leaves the previous index serving.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from . import vector_store
from .attribution import ATTRIBUTION_VERSION, Statement, attribute, statement_from_json, statement_to_json
from .passage_table import PASSAGE_COLUMNS, SENTENCE_COLUMNS, PassageTable
from .passages import Passage, split_document
from .pooling import fill_alone
from .settings import Settings
from .sources import Document, DocumentStream, merge_duplicate
from .spool import KEY_BYTES, RowSpool, TermIds, VectorCache, digest
from .text import terms_of_words, words

FORMAT_VERSION = 2  # 2: passages as arrays, statements and surface words stored by the build
CACHE_FORMATS = (1, 2)  # formats whose vector and key files a build reads as its embedding cache
ProgressFn = Callable[[float, str], None]


class IndexError_(Exception):
    """Base for index problems; the message is meant for the user."""


class IndexMissing(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


class IndexMismatch(IndexError_):
    pass


class BuildError(IndexError_):
    pass


@dataclass
class Index:
    """A loaded index: documents, passages, vectors, BM25 and attributed statements, ready for retrieval."""

    path: Path
    manifest: dict
    documents: dict[str, Document]
    passages: PassageTable
    dense: object  # faiss.Index
    bm25: object  # bm25s.BM25
    sentence_vectors: np.ndarray  # one row per sentence, passage after passage
    statements: dict[str, list[Statement]] = field(default_factory=dict)  # per document, in document order
    term_df: dict[str, int] = field(default_factory=dict)
    surface_words: frozenset[str] = frozenset()

    def passage_sentences(self, pid: int) -> range:
        """Rows in ``sentence_vectors`` of passage ``pid``'s sentences."""
        return self.passages.sentence_rows(pid)

    def title(self, doc_id: str) -> str:
        return self.documents[doc_id].title


def passage_text_for_search(p: Passage, doc: Document, settings: Settings) -> str:
    """The text embedded and BM25-indexed for a passage: the document title gives context."""
    if settings.title_in_passages and doc.title and not p.text.startswith(doc.title):
        return f"{doc.title}\n{p.text}"
    return p.text


def current_build(index_dir: Path) -> Path | None:
    """The directory ``current`` points at, or None when there is no index."""
    link = Path(index_dir) / "current"
    if not link.is_symlink() and not link.exists():
        return None
    return link.resolve()


# what every reader of a manifest relies on
_MANIFEST_KEYS = ("format_version", "model", "dim", "chunking", "built_at", "sources", "documents", "passages", "sentences")


def read_manifest(index_dir: Path, any_format: bool = False) -> dict:
    """The current build's manifest; raises IndexMissing / IndexCorrupt / IndexMismatch.

    ``any_format`` accepts a build of another format version: a rebuild still reads its
    sources and its embedding cache, which every version stores alike.
    """
    build = current_build(index_dir)
    if build is None:
        raise IndexMissing(f"no index in '{index_dir}': build one with `rag ingest PATH...`")
    try:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt (manifest unreadable: {exc}); rebuild it with `rag ingest PATH...`") from exc
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt (manifest is not a JSON object); rebuild it with `rag ingest PATH...`")
    if manifest.get("format_version") != FORMAT_VERSION and not any_format:
        raise IndexMismatch(
            f"index in '{index_dir}' has format version {manifest.get('format_version')}, this program reads {FORMAT_VERSION}; rebuild it with `rag ingest`"
        )
    missing = [key for key in _MANIFEST_KEYS if key not in manifest]
    if missing:
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt (manifest lacks {', '.join(missing)}); rebuild it with `rag ingest PATH...`")
    return manifest


def check_compatible(manifest: dict, settings: Settings, index_dir: Path) -> None:
    """Refuse an index built with another model or chunking, naming both."""
    problems = []
    if manifest.get("model") != settings.embed_model:
        problems.append(f"model '{manifest.get('model')}' (current setting: '{settings.embed_model}')")
    if manifest.get("chunking") != settings.chunking():
        problems.append(f"chunking {manifest.get('chunking')} (current setting: {settings.chunking()})")
    if problems:
        raise IndexMismatch(
            f"index in '{index_dir}' was built with " + " and ".join(problems)
            + "; rebuild it with `rag ingest` or use the settings it was built with (e.g. --model)"
        )


def load_index(settings: Settings) -> Index:
    """Load the current index under ``settings.index_dir`` and check it matches ``settings``."""
    import bm25s

    index_dir = Path(settings.index_dir)
    remove_stale_temp(index_dir)
    manifest = read_manifest(index_dir)
    check_compatible(manifest, settings, index_dir)
    build = current_build(index_dir)
    try:
        docs_raw = json.loads((build / "documents.json").read_text(encoding="utf-8"))
        # aliases are in the manifest (a streaming build learns of a duplicate after writing the text)
        aliases = {d["doc_id"]: tuple(d.get("aliases", ())) for d in manifest.get("documents", [])}
        documents = {d["doc_id"]: Document(d["doc_id"], d["title"], d["source"], d["text"], aliases.get(d["doc_id"], ()))
                     for d in docs_raw}
        passages = PassageTable([d["doc_id"] for d in docs_raw], documents, np.load(build / "passages.npy"),
                                np.load(build / "sentence_spans.npy"))
        dense = _open_dense(build, manifest)
        if manifest.get("sentence_vectors", True):
            sentence_vectors = np.load(build / "sentences.npy", mmap_mode="r")  # paged in as evidence is scored
        else:  # retrieval-only index: each sentence borrows its passage's vector
            sentence_vectors = np.repeat(_passage_vectors(build, dense), passages.sentence_counts, axis=0)
        bm25 = bm25s.BM25.load(str(build / "bm25"), show_progress=False)
        term_df = json.loads((build / "term_df.json").read_text(encoding="utf-8"))
        statements = _load_statements(build, manifest, documents, passages)
        surface = frozenset(w for w in (build / "words.txt").read_text(encoding="utf-8").split("\n") if w)
    except Exception as exc:  # a damaged file makes json, numpy, faiss and bm25s raise almost anything (EOFError, ...)
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt ({type(exc).__name__}: {exc}); rebuild it with `rag ingest PATH...`") from exc
    if dense.d != manifest["dim"]:
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt (vectors of dimension {dense.d}, manifest says {manifest['dim']}); "
                           "rebuild it with `rag ingest PATH...`")
    counts = passages.sentence_counts
    if dense.ntotal != len(passages) or sentence_vectors.shape[0] != int(counts.sum()):
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt (vector counts do not match passages); rebuild it with `rag ingest PATH...`")
    return Index(build, manifest, documents, passages, dense, bm25, sentence_vectors, statements, term_df, surface)


def _passage_vectors(build: Path, dense) -> np.ndarray:
    """A build's passage vectors as embedded: the file kept beside the index (memory-mapped), or for
    builds without one, read back from the index (exact for the flat and float32 IVF indexes they have)."""
    if (build / "passage_vectors.npy").exists():
        return np.load(build / "passage_vectors.npy", mmap_mode="r")
    return vector_store.all_vectors(dense)


def _load_statements(build: Path, manifest: dict, documents: dict[str, Document], passages: PassageTable) -> dict[str, list[Statement]]:
    """Each document's attributed statements, as the build found them.

    An index built by another version of the attribution rules has them found again here
    (slower to load, but what the current rules say).
    """
    if manifest.get("attribution") != ATTRIBUTION_VERSION:
        return {doc_id: attribute(doc.text, passages.document_sentences(doc_id)) for doc_id, doc in documents.items()}
    stored = _read_statements(build)
    return {doc_id: [statement_from_json(st) for st in stored.get(doc_id, [])] for doc_id in documents}


def _read_statements(build: Path) -> dict[str, list]:
    """A build's statements.jsonl: doc_id -> its statements as JSON (documents without any are absent)."""
    found: dict[str, list] = {}
    with open(build / "statements.jsonl", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            found[record["doc_id"]] = record["statements"]
    return found


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


def _previous_vectors(settings: Settings, backend: str, graph: str | None) -> VectorCache:
    """Vectors of the current index keyed by the hash of the text embedded (the embedding cache).

    Reads only the vector files (sentence vectors memory-mapped); an index of another
    model, embedding backend, exported graph (``graph``: see embedding.export_id) or
    format, or a damaged one, gives no cache. (int8 and fp32 vectors of one model, or
    of two exports of it, are close but not identical: one index never mixes them.
    Indexes from before backends were recorded were embedded by torch.)
    """
    index_dir = Path(settings.index_dir)
    try:
        manifest = read_manifest(index_dir, any_format=True)
        if (manifest["format_version"] not in CACHE_FORMATS or manifest.get("model") != settings.embed_model
                or manifest.get("embed_backend", "torch") != backend or manifest.get("embed_graph") != graph):
            return VectorCache.empty()
        build = current_build(index_dir)
        if (build / "passage_keys.npy").exists():
            p_keys = np.load(build / "passage_keys.npy")
            s_keys = np.load(build / "sentence_keys.npy")
        else:  # builds from before the keys were stored in binary
            keys = json.loads((build / "vector_keys.json").read_text(encoding="utf-8"))
            p_keys, s_keys = (np.array([bytes.fromhex(k) for k in keys[part]], dtype=f"S{KEY_BYTES}")
                              for part in ("passages", "sentences"))
        passage_vecs = _passage_vectors(build, _open_dense(build, manifest))
        sentence_vecs = np.load(build / "sentences.npy", mmap_mode="r") if len(s_keys) else passage_vecs[:0]
        if len(p_keys) != len(passage_vecs) or len(s_keys) != len(sentence_vecs):
            return VectorCache.empty()
        return VectorCache([p_keys, s_keys], [passage_vecs, sentence_vecs])
    except Exception:  # a damaged file makes numpy and faiss raise almost anything (EOFError, ...): no cache, rebuild
        return VectorCache.empty()


def _previous_statements(settings: Settings) -> tuple[set[str], dict[str, list]]:
    """The current index's attributed statements, to reuse for documents that did not change.

    Returns the ids of the documents it attributed and, for those that have any, their
    statements as stored (JSON). Nothing when the index is missing, damaged, or was
    built with other attribution rules or chunking (sentences could differ).
    """
    try:
        manifest = read_manifest(Path(settings.index_dir))
        if manifest.get("attribution") != ATTRIBUTION_VERSION or manifest.get("chunking") != settings.chunking():
            return set(), {}
        return {d["doc_id"] for d in manifest["documents"]}, _read_statements(current_build(Path(settings.index_dir)))
    except Exception:  # no index, or a damaged one: attribute every document again
        return set(), {}


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
    with _build_lock(index_dir):
        return _build_locked(paths, settings, add=add, exclude=exclude, embedder=embedder, progress=progress,
                             show_progress=show_progress)


@contextlib.contextmanager
def _build_lock(index_dir: Path):
    """One build at a time per index directory, across processes (CLI and server)."""
    with open(index_dir / ".build.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another build of '{index_dir}' to finish...", file=sys.stderr)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _build_locked(paths, settings, *, add, exclude, embedder, progress, show_progress) -> BuildReport:
    t0 = time.time()
    index_dir = Path(settings.index_dir)
    _remove_temp_files(index_dir)  # left by a build that was killed; we hold the lock, so none is running
    report = progress or (lambda frac, msg: None)
    recorded: list[str] = []
    excluded: list[str] = []
    old_added: dict[str, str] = {}
    try:
        manifest = read_manifest(index_dir, any_format=True)
        recorded = manifest.get("sources", [])
        excluded = manifest.get("excluded", [])
        old_added = {d["doc_id"]: d.get("added_at", "") for d in manifest.get("documents", [])}
    except IndexError_:
        pass
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
    stream = DocumentStream([Path(s) for s in sources], exclude=set(excluded))
    return write_index(stream, sources, settings, skipped=stream.skipped, old_added=old_added, excluded=excluded,
                       embedder=embedder, progress=report, show_progress=show_progress, t0=t0)


WINDOW = 1024  # passages embedded together: sorted by length inside, so batches pad little
CHUNK = 256  # passages per embedding call between progress updates


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
    that reads its files as it goes, so a build holds at most a window of passages'
    text. Text, sentence vectors and cache keys are written out as they are made; what
    stays in memory grows only with the passage vectors (FAISS keeps them) and the BM25
    term ids. Documents with the same id (the same text) are one document that lists
    every source. ``skipped`` names the files that could not be read (a DocumentStream
    fills its list while it is read); they are dropped from ``sources``. Raises
    BuildError when no document was read; the previous index is then untouched.
    ``with_sentences=False`` skips sentence vectors (retrieval-only indexes for
    benchmarks); answers then score evidence by the passage vector and words.
    """
    from .embedding import export_id, resolve_backend

    t0 = t0 or time.time()
    # the backend is decided without loading the model, so an unchanged rebuild loads none
    if embedder is not None:  # an embedder without a backend name (a test double) is named by its class
        backend = getattr(embedder, "backend", None) or type(embedder).__name__
        graph = getattr(embedder, "graph", None)
    else:
        backend = resolve_backend(settings.embed_model, settings.embed_backend)
        graph = export_id(settings.embed_model, backend)
    vectors = _Vectors(settings, embedder, backend, graph, _previous_vectors(settings, backend, graph), with_sentences)
    args = (sources, settings, skipped, old_added, excluded, progress, show_progress, t0)
    try:
        return _write(docs, vectors, *args)
    except _BackendChanged as changed:
        # the model's export failed as it loaded: its torch vectors must not mix with the cached
        # ones already used, so the build starts again without a cache (a DocumentStream re-reads)
        return _write(docs, _Vectors(settings, changed.embedder, changed.embedder.backend, None, VectorCache.empty(),
                                     with_sentences), *args)


class _BackendChanged(Exception):
    """The model loaded with another backend than planned (its export failed): cached vectors do not fit."""

    def __init__(self, embedder):
        super().__init__(embedder.backend)
        self.embedder = embedder


@dataclass
class _Queued:
    """A passage waiting in the window for its vectors."""

    text: str  # as embedded (may start with the title)
    spans: list[tuple[int, int]]  # its sentences in ``text``
    key: bytes
    sentence_keys: list[bytes]


class _Vectors:
    """Vectors for a build's passages and sentences: from the cache, else from the model (loaded when first needed)."""

    def __init__(self, settings: Settings, embedder, backend: str, graph: str | None, cache: VectorCache,
                 with_sentences: bool):
        self.settings, self.embedder, self.backend, self.graph, self.cache = settings, embedder, backend, graph, cache
        self.with_sentences = with_sentences
        self.contextual = with_sentences and settings.sentence_vectors == "contextual"
        self.embedded = self.reused = 0
        self.dim: int | None = cache.dim

    def queue(self, passage: Passage, doc: Document) -> _Queued:
        text = passage_text_for_search(passage, doc, self.settings)
        key = digest("p\0" + text)
        # each sentence as a character range of the embedded text, which may start with the title
        shift = len(text) - len(passage.text) - passage.start
        spans = [(s + shift, e + shift) for s, e in passage.sentences]
        if not self.with_sentences:
            s_keys: list[bytes] = []
        elif self.contextual:  # a pooled vector depends on the whole passage, so its key does too
            s_keys = [digest(f"c\0{key.hex()}\0{a}:{b}") for a, b in spans]
        else:
            s_keys = [digest("s\0" + text[a:b]) for a, b in spans]
        return _Queued(text, spans, key, s_keys)

    def _load_model(self) -> None:
        from .embedding import Embedder

        self.embedder = Embedder(self.settings.embed_model, self.settings.embed_batch_size,
                                 backend=self.settings.embed_backend)
        if self.embedder.backend != self.backend:  # the export failed just now: torch vectors
            if self.reused:
                raise _BackendChanged(self.embedder)
            self.backend, self.graph, self.cache = self.embedder.backend, None, VectorCache.empty()

    def compute(self, window: list[_Queued], on_chunk: Callable[[int], None]) -> list[tuple[np.ndarray, list[np.ndarray]]]:
        """Each queued passage's vector and its sentences' vectors, in window order."""
        def lookup() -> tuple[np.ndarray, list[np.ndarray], list[int]]:
            """Cache rows of each passage and of its sentences, and the passages to run through the model."""
            p_rows = self.cache.rows([q.key for q in window])
            s_rows = np.split(self.cache.rows([k for q in window for k in q.sentence_keys]),
                              np.cumsum([len(q.sentence_keys) for q in window])[:-1])
            return p_rows, s_rows, [j for j in range(len(window)) if p_rows[j] < 0 or (s_rows[j] < 0).any()]

        p_rows, s_rows, todo = lookup()
        if todo and self.embedder is None:
            self._load_model()
            p_rows, s_rows, todo = lookup()  # the cache may have gone with the backend
        out: list = [None] * len(window)
        rerun = set(todo)
        for j in range(len(window)):
            if j not in rerun:
                out[j] = (self.cache.vector(p_rows[j]), [self.cache.vector(r) for r in s_rows[j]])
                self.reused += 1 + len(s_rows[j])
        todo.sort(key=lambda j: len(window[j].text))  # similar lengths share a batch
        for c in range(0, len(todo), CHUNK):
            chunk = todo[c : c + CHUNK]
            vecs, pooled = _embed_passages(self.embedder, [window[j].text for j in chunk], [window[j].spans for j in chunk],
                                           self.with_sentences, self.contextual)
            for j, v, sv in zip(chunk, vecs, pooled):
                out[j] = (v, sv if self.with_sentences else [])
                self.embedded += 1 + len(out[j][1])
            on_chunk(len(chunk))
        if self.dim is None and out:
            self.dim = len(out[0][0])
        return out

    def pooling(self) -> str | None:
        """What the sentence vectors are, for the manifest (with nothing embedded, the cached ones were made with these settings)."""
        if not self.with_sentences:
            return None
        pools = self.embedder is None or (hasattr(self.embedder, "encode_spans") and getattr(self.embedder, "pools_spans", False))
        return "contextual" if self.contextual and pools else "standalone"


def _embed_passages(embedder, texts: list[str], spans: list[list[tuple[int, int]]], with_sentences: bool,
                    contextual: bool) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Vectors of ``texts`` and of their sentences (``spans``)."""
    if contextual and hasattr(embedder, "encode_spans"):
        return embedder.encode_spans(texts, spans)
    vecs = embedder.encode(texts)
    if not with_sentences:  # retrieval-only: passage vectors alone
        return vecs, [[] for _ in spans]
    # sentences embedded on their own (the standalone setting, or an embedder that cannot pool)
    return vecs, fill_alone(embedder.encode, texts, spans, [[None] * len(sp) for sp in spans])


def _write(docs, vectors: _Vectors, sources, settings, skipped, old_added, excluded, progress, show_progress, t0) -> BuildReport:
    import faiss
    from tqdm.auto import tqdm

    report = progress or (lambda frac, msg: None)
    index_dir = Path(settings.index_dir)
    (index_dir / "builds").mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = index_dir / "builds" / f".tmp-{stamp}-{os.getpid()}"
    tmp.mkdir(parents=True)
    spools: list[RowSpool] = []
    try:
        p_vecs = RowSpool(tmp / ".passage-vectors", "float32")
        s_vecs = RowSpool(tmp / ".sentence-vectors", "float32")
        p_keys = RowSpool(tmp / ".passage-keys", f"S{KEY_BYTES}")
        s_keys = RowSpool(tmp / ".sentence-keys", f"S{KEY_BYTES}")
        p_rows = RowSpool(tmp / ".passage-rows", "int64", PASSAGE_COLUMNS)
        s_spans = RowSpool(tmp / ".sentence-spans", "int64", SENTENCE_COLUMNS)
        spools = [p_vecs, s_vecs, p_keys, s_keys, p_rows, s_spans]
        term_ids = TermIds()
        surface: set[str] = set()  # every lower-cased word, for the refusal check's vocabulary
        attributed, old_statements = _previous_statements(settings)
        heads: dict[str, Document] = {}  # doc_id -> the document without its text, every file name in sources
        records: dict[str, dict] = {}  # doc_id -> the rest of the manifest's entry
        window: list[_Queued] = []
        total = len(docs) if hasattr(docs, "__len__") else None
        # a file counts as done once its passages have their vectors
        bar = tqdm(total=total, desc="Indexing", unit="file", disable=not show_progress)
        done = [0]

        def tell(message: str) -> None:
            bar.set_postfix(passages=p_rows.rows, embedded=vectors.embedded, refresh=True)
            report(0.02 + 0.86 * (bar.n / total if total else 0.0), message)

        def flush() -> None:
            def on_chunk(n: int) -> None:
                tell(f"Embedding ({vectors.embedded} vectors so far)")

            out = vectors.compute(window, on_chunk)
            if out:
                p_vecs.append(np.stack([v for v, _ in out]))
                sentence_rows = [sv for _, svs in out for sv in svs]
                if sentence_rows:
                    s_vecs.append(np.stack(sentence_rows))
                p_keys.append(np.array([q.key for q in window], dtype=f"S{KEY_BYTES}"))
                s_keys.append(np.array([k for q in window for k in q.sentence_keys], dtype=f"S{KEY_BYTES}"))
            window.clear()
            bar.update(done[0] - bar.n)
            tell(f"Indexed {p_rows.rows} passages")

        with open(tmp / "documents.json", "w", encoding="utf-8") as docs_fh, \
                open(tmp / "statements.jsonl", "w", encoding="utf-8") as statements_fh, bar:
            docs_fh.write("[")
            for doc in docs:
                done[0] += 1
                first = heads.get(doc.doc_id)
                if first is not None:  # the same text as a file read before: one document, several names
                    heads[doc.doc_id] = merge_duplicate(first, doc)
                    continue
                doc_no = len(records)  # its place in documents.json, which passages.npy refers to
                heads[doc.doc_id] = replace(doc, text="")
                passages = split_document(doc, settings.max_passage_words, first_pid=p_rows.rows)
                records[doc.doc_id] = {
                    "passages": len(passages), "chars": len(doc.text),
                    "sha256": hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
                    "added_at": (old_added or {}).get(doc.doc_id),
                }
                # aliases live in the manifest: a duplicate found later cannot change what is written
                docs_fh.write(("," if len(records) > 1 else "") + "\n" + json.dumps(
                    {"doc_id": doc.doc_id, "title": doc.title, "source": doc.source, "text": doc.text}, ensure_ascii=False))
                sentences = [s for p in passages for s in p.sentences]
                p_rows.append(np.array([(doc_no, p.start, p.end, len(p.sentences)) for p in passages],
                                       dtype=np.int64).reshape(-1, PASSAGE_COLUMNS))
                s_spans.append(np.array(sentences, dtype=np.int64).reshape(-1, SENTENCE_COLUMNS))
                # who said what, found once per document text (the id is its hash): reused while it is unchanged
                said = (old_statements.get(doc.doc_id, []) if doc.doc_id in attributed
                        else [statement_to_json(st) for st in attribute(doc.text, sentences)])
                if said:
                    statements_fh.write(json.dumps({"doc_id": doc.doc_id, "statements": said}, ensure_ascii=False) + "\n")
                surface.update(words(doc.title.lower()))
                for p in passages:
                    queued = vectors.queue(p, doc)
                    window.append(queued)
                    lower = words(queued.text.lower())
                    surface.update(lower)
                    term_ids.add(terms_of_words(lower))
                if len(window) >= WINDOW:
                    flush()
            flush()
            docs_fh.write("\n]\n")
            if total:
                bar.n = total  # files that could not be read were counted in the total too
        if not records:
            reasons = "; ".join(f"{p}: {r}" for p, r in skipped or []) or "no supported files found"
            raise BuildError(f"no document could be read ({reasons})")
        if vectors.embedded and hasattr(vectors.embedder, "release"):
            vectors.embedder.release()  # a server keeps its embedder for queries, which need no bulk sessions

        report(0.88, "Writing index")
        s_vecs.width = s_vecs.width or vectors.dim
        s_vecs.save(tmp / "sentences.npy")
        p_keys.save(tmp / "passage_keys.npy")
        s_keys.save(tmp / "sentence_keys.npy")
        p_rows.save(tmp / "passages.npy")
        s_spans.save(tmp / "sentence_spans.npy")
        (tmp / "words.txt").write_text("\n".join(sorted(surface)), encoding="utf-8")
        del surface
        p_vecs.width = p_vecs.width or vectors.dim
        store = vector_store.store_spec(settings.vector_store)
        if store == "faiss":
            dense, dense_info = vector_store.build_faiss(p_vecs)  # exact up to FLAT_MAX passages, IVF above
            faiss.write_index(dense, str(tmp / "dense.faiss"))
            del dense
        else:  # the build's own collection, named after it: the previous build keeps serving from its own
            collection = f"rag_{stamp}_{os.getpid()}"
            # named in the build directory first, so a build killed from here on can still be cleaned up
            (tmp / "dense_index.json").write_text(json.dumps({"type": "milvus", "store": store, "collection": collection}),
                                                  encoding="utf-8")
            dense_info = vector_store.write_milvus(store, collection, p_vecs.load())
        p_vecs.save(tmp / "passage_vectors.npy")  # the cache's copy: the index may hold 8-bit codes (or be in Milvus)
        term_ids.bm25().save(str(tmp / "bm25"), show_progress=False)
        (tmp / "term_df.json").write_text(json.dumps(term_ids.df()), encoding="utf-8")
        del term_ids

        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        documents = [{"doc_id": h.doc_id, "title": h.title, "source": h.source, "aliases": list(h.aliases),
                      **records[h.doc_id], "added_at": records[h.doc_id]["added_at"] or now} for h in heads.values()]
        unreadable = {p for p, _ in skipped or []}  # not recorded, so a refresh does not warn about it forever
        manifest = {
            "format_version": FORMAT_VERSION,
            "model": settings.embed_model,
            "embed_backend": vectors.backend,
            "embed_graph": vectors.graph,
            "dim": vectors.dim,
            "dense_index": dense_info,
            "chunking": settings.chunking(),
            "built_at": now,
            "sources": [s for s in sources if s not in unreadable],
            "excluded": list(excluded or []),
            "documents": documents,
            "passages": p_rows.rows,
            "sentences": s_spans.rows,
            "sentence_vectors": vectors.with_sentences,
            # "contextual": pooled from the passage's run (rag/pooling.py); "standalone": each embedded alone
            "sentence_pooling": vectors.pooling(),
            "attribution": ATTRIBUTION_VERSION,
        }
        # The manifest is written last: a build directory without one is incomplete.
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        final = index_dir / "builds" / stamp
        os.rename(tmp, final)
    except BaseException:
        for spool in spools:
            spool.close()
        _drop_external_vectors(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = current_build(index_dir)
    _swap_current(index_dir, final)
    _remove_stale_builds(index_dir, keep={final, previous} - {None})
    report(1.0, "Done")
    return BuildReport(final, len(records), p_rows.rows, vectors.embedded, vectors.reused, list(skipped or []),
                       time.time() - t0)


def remove_stale_temp(index_dir: Path) -> None:
    """Delete what killed builds left behind (``builds/.tmp-*``, ``.current-*``), unless a build is running.

    Called on every load, so leftovers never pile up; without the build lock (another
    process is building) nothing is touched, as its temporary directory is in use.
    """
    index_dir = Path(index_dir)
    if not (index_dir / "builds").is_dir():
        return
    try:
        with open(index_dir / ".build.lock", "a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            try:
                _remove_temp_files(index_dir)
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    except OSError:
        pass  # a read-only index: nothing can be cleaned, and loading must still work


def _remove_temp_files(index_dir: Path) -> None:
    """Delete what killed builds left; the caller holds the build lock, so no build is running.

    That is: temporary build directories, temporary ``current`` links, and complete builds
    newer than ``current`` (killed between finishing and the swap; build names sort by time).
    """
    builds = index_dir / "builds"
    for child in builds.glob(".tmp-*") if builds.is_dir() else ():
        _drop_external_vectors(child)
        shutil.rmtree(child, ignore_errors=True)
    for link in index_dir.glob(".current-*"):
        with contextlib.suppress(OSError):
            link.unlink()
    current = current_build(index_dir)
    if current is not None and current.parent == builds.resolve():
        for child in builds.iterdir():
            if not child.name.startswith(".") and child.name > current.name:
                _drop_external_vectors(child)
                shutil.rmtree(child, ignore_errors=True)


def _swap_current(index_dir: Path, target: Path) -> None:
    """Point ``current`` at ``target`` with one atomic rename."""
    tmp_link = index_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(Path("builds") / target.name, tmp_link)
    os.replace(tmp_link, index_dir / "current")


def _remove_stale_builds(index_dir: Path, keep: set[Path]) -> None:
    """Delete builds other than ``keep`` and leftovers of crashed ones.

    The previous build is kept: a process that resolved ``current`` just before the
    swap can still read it.
    """
    keep = {k.resolve() for k in keep}
    for child in (index_dir / "builds").iterdir():
        if child.resolve() not in keep:
            _drop_external_vectors(child)
            shutil.rmtree(child, ignore_errors=True)


def _open_dense(build: Path, manifest: dict):
    """The passage vector index of a build: its FAISS file, or its Milvus collection."""
    info = manifest.get("dense_index") or {}
    if info.get("type") == "milvus":
        return vector_store.MilvusVectors(info, int(manifest["dim"]), int(manifest["passages"]))
    import faiss

    dense = faiss.read_index(str(build / "dense.faiss"))
    vector_store.configure(dense, info)
    return dense


def _drop_external_vectors(build: Path) -> None:
    """A deleted build's vectors kept outside its directory (a Milvus collection) go with it.

    Named by the manifest, or for a build that died before writing one, by dense_index.json.
    """
    info: dict = {}
    for name, key in (("manifest.json", "dense_index"), ("dense_index.json", None)):
        try:
            data = json.loads((build / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        info = (data.get(key) if key else data) or {}
        if info:
            break
    if info.get("type") == "milvus":
        vector_store.drop_milvus(info)
