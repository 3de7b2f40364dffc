"""Build, persist and load the search index; rebuilds swap in atomically.

Layout of ``index_dir``::

    current -> builds/<build-id>     (a symlink; replaced atomically)
    builds/<build-id>/manifest.json  model, dimension, chunking, documents, sources, build time, format
                      documents.json clean text of every document (offsets point into it)
                      passages.jsonl passages with their sentence offsets
                      dense.faiss    passage vectors (inner product on normalised vectors)
                      sentences.npy  sentence vectors, in passage order
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
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from . import vector_store
from .passages import Passage, split_documents
from .pooling import fill_alone
from .settings import Settings
from .sources import Document, load_documents
from .text import terms, words

FORMAT_VERSION = 1
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
    """A loaded index: documents, passages, vectors and BM25, ready for retrieval."""

    path: Path
    manifest: dict
    documents: dict[str, Document]
    passages: list[Passage]
    dense: object  # faiss.Index
    bm25: object  # bm25s.BM25
    sentence_vectors: np.ndarray
    sentence_owner: np.ndarray  # passage id of each sentence row
    sentence_first: np.ndarray  # first sentence row of each passage
    term_df: dict[str, int] = field(default_factory=dict)
    surface_words: frozenset[str] = frozenset()

    def passage_sentences(self, pid: int) -> range:
        """Rows in ``sentence_vectors`` of passage ``pid``'s sentences."""
        start = int(self.sentence_first[pid])
        return range(start, start + len(self.passages[pid].sentences))

    def title(self, doc_id: str) -> str:
        return self.documents[doc_id].title


def passage_text_for_search(p: Passage, doc: Document, settings: Settings) -> str:
    """The text embedded and BM25-indexed for a passage: the document title gives context."""
    if settings.title_in_passages and doc.title and not p.text.startswith(doc.title):
        return f"{doc.title}\n{p.text}"
    return p.text


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def current_build(index_dir: Path) -> Path | None:
    """The directory ``current`` points at, or None when there is no index."""
    link = Path(index_dir) / "current"
    if not link.is_symlink() and not link.exists():
        return None
    return link.resolve()


# what every reader of a manifest relies on
_MANIFEST_KEYS = ("format_version", "model", "dim", "chunking", "built_at", "sources", "documents", "passages", "sentences")


def read_manifest(index_dir: Path) -> dict:
    """The current build's manifest; raises IndexMissing / IndexCorrupt."""
    build = current_build(index_dir)
    if build is None:
        raise IndexMissing(f"no index in '{index_dir}': build one with `rag ingest PATH...`")
    try:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt (manifest unreadable: {exc}); rebuild it with `rag ingest PATH...`") from exc
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt (manifest is not a JSON object); rebuild it with `rag ingest PATH...`")
    if manifest.get("format_version") != FORMAT_VERSION:
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
        documents = {d["doc_id"]: Document(d["doc_id"], d["title"], d["source"], d["text"], tuple(d.get("aliases", ())))
                     for d in docs_raw}
        passages = []
        with open(build / "passages.jsonl", encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                passages.append(
                    Passage(r["pid"], r["doc_id"], r["start"], r["end"], documents[r["doc_id"]].text[r["start"] : r["end"]],
                            tuple(tuple(s) for s in r["sentences"]))
                )
        dense = _open_dense(build, manifest)
        sentence_vectors = np.load(build / "sentences.npy")
        bm25 = bm25s.BM25.load(str(build / "bm25"), show_progress=False)
        term_df = json.loads((build / "term_df.json").read_text(encoding="utf-8"))
    except Exception as exc:  # a damaged file makes json, numpy, faiss and bm25s raise almost anything (EOFError, ...)
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt ({type(exc).__name__}: {exc}); rebuild it with `rag ingest PATH...`") from exc
    if dense.d != manifest["dim"]:
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt (vectors of dimension {dense.d}, manifest says {manifest['dim']}); "
                           "rebuild it with `rag ingest PATH...`")
    counts = np.array([len(p.sentences) for p in passages], dtype=np.int64)
    if not manifest.get("sentence_vectors", True):
        # retrieval-only index: each sentence borrows its passage's vector
        sentence_vectors = np.repeat(vector_store.all_vectors(dense), counts, axis=0)
    if dense.ntotal != len(passages) or sentence_vectors.shape[0] != int(counts.sum()):
        raise IndexCorrupt(f"index in '{index_dir}' is corrupt (vector counts do not match passages); rebuild it with `rag ingest PATH...`")
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.zeros(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(passages)), counts)
    surface = frozenset(w.lower() for d in documents.values() for w in words(d.title + "\n" + d.text))
    return Index(build, manifest, documents, passages, dense, bm25, sentence_vectors, owner, first, term_df, surface)


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


def _previous_vectors(settings: Settings, backend: str, graph: str | None) -> dict[str, np.ndarray]:
    """Vectors of the current index keyed by the hash of the text embedded (the embedding cache).

    Reads only the vector files; an index of another model, embedding backend, exported
    graph (``graph``: see embedding.export_id) or format, or a damaged one, gives no
    cache. (int8 and fp32 vectors of one model, or of two exports of it, are close but
    not identical: one index never mixes them. Indexes from before backends were
    recorded were embedded by torch.)
    """
    index_dir = Path(settings.index_dir)
    try:
        manifest = read_manifest(index_dir)
        if (manifest.get("model") != settings.embed_model or manifest.get("embed_backend", "torch") != backend
                or manifest.get("embed_graph") != graph):
            return {}
        build = current_build(index_dir)
        keys = json.loads((build / "vector_keys.json").read_text(encoding="utf-8"))
        passage_vecs = vector_store.all_vectors(_open_dense(build, manifest))
        sentence_vecs = np.load(build / "sentences.npy") if keys["sentences"] else []
    except Exception:  # a damaged file makes numpy and faiss raise almost anything (EOFError, ...): no cache, rebuild
        return {}
    cache: dict[str, np.ndarray] = dict(zip(keys["passages"], passage_vecs))
    cache.update(zip(keys["sentences"], sentence_vecs))
    return cache


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
        manifest = read_manifest(index_dir)
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
    report(0.02, "Reading sources")
    docs, skipped = load_documents([Path(s) for s in sources], progress=show_progress, exclude=set(excluded))
    # a file that could not be read is not recorded, so a refresh does not warn about it forever
    # (sources are resolved already, so paths compare as given; a looping link could not be resolved)
    unreadable = {p for p, _ in skipped}
    sources = [s for s in sources if s not in unreadable]
    if not docs:
        reasons = "; ".join(f"{p}: {r}" for p, r in skipped) or "no supported files found"
        raise BuildError(f"no document could be read ({reasons})")
    return write_index(docs, sources, settings, skipped=skipped, old_added=old_added, excluded=excluded,
                       embedder=embedder, progress=report, show_progress=show_progress, t0=t0)


def write_index(
    docs: list[Document],
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

    ``with_sentences=False`` skips sentence vectors (retrieval-only indexes for
    benchmarks); answers then score evidence by the passage vector and words.
    """
    import bm25s
    import faiss
    from tqdm.auto import tqdm

    from .embedding import Embedder, export_id, resolve_backend

    t0 = t0 or time.time()
    report = progress or (lambda frac, msg: None)
    index_dir = Path(settings.index_dir)
    (index_dir / "builds").mkdir(parents=True, exist_ok=True)
    passages = split_documents(docs, settings.max_passage_words)
    by_id = {d.doc_id: d for d in docs}
    p_texts = [passage_text_for_search(p, by_id[p.doc_id], settings) for p in passages]
    p_keys = [_hash("p\0" + t) for t in p_texts]
    # each sentence as a character range of its passage's embedded text, which may start with the title
    shifts = [len(t) - len(p.text) - p.start for p, t in zip(passages, p_texts)]
    p_spans = [[(s + shift, e + shift) for s, e in p.sentences] for p, shift in zip(passages, shifts)]
    contextual = with_sentences and settings.sentence_vectors == "contextual"
    if not with_sentences:
        s_keys: list[str] = []
    elif contextual:  # a pooled vector depends on the whole passage, so its key does too
        s_keys = [_hash(f"c\0{pk}\0{a}:{b}") for pk, spans in zip(p_keys, p_spans) for a, b in spans]
    else:
        s_keys = [_hash("s\0" + t[a:b]) for t, spans in zip(p_texts, p_spans) for a, b in spans]
    s_first = np.concatenate([[0], np.cumsum([len(sp) for sp in p_spans])]).astype(int)

    # the backend is decided without loading the model, so an unchanged rebuild loads none
    if embedder is not None:  # an embedder without a backend name (a test double) is named by its class
        backend = getattr(embedder, "backend", None) or type(embedder).__name__
        graph = getattr(embedder, "graph", None)
    else:
        backend = resolve_backend(settings.embed_model, settings.embed_backend)
        graph = export_id(settings.embed_model, backend)
    cache = _previous_vectors(settings, backend, graph)

    def missing() -> list[int]:
        """Passages to run through the model: their vector or one of their sentences' is not cached."""
        return [i for i in range(len(passages))
                if p_keys[i] not in cache or any(k not in cache for k in s_keys[s_first[i] : s_first[i + 1]])]

    todo = missing()
    if todo and embedder is None:
        embedder = Embedder(settings.embed_model, settings.embed_batch_size, backend=settings.embed_backend)
        if embedder.backend != backend:  # the export failed just now: torch vectors, so nothing cached fits
            backend, graph, cache = embedder.backend, None, {}
            todo = missing()
    cached = len(p_keys) + len(s_keys) - sum(1 + (s_first[i + 1] - s_first[i] if with_sentences else 0) for i in todo)
    report(0.1, f"Embedding {len(todo)} passages ({cached} vectors cached)")
    embedded = 0
    if todo:
        # passages of similar length share a batch (less padding); chunks keep the progress bar moving
        todo.sort(key=lambda i: len(p_texts[i]))
        batch = 256
        bar = tqdm(total=len(todo), desc="Embedding", unit="passage", disable=not show_progress)
        for c in range(0, len(todo), batch):
            chunk = todo[c : c + batch]
            texts = [p_texts[i] for i in chunk]
            embedded += _embed_chunk(embedder, chunk, texts, p_spans, p_keys, s_keys, s_first, cache,
                                     with_sentences, contextual)
            bar.update(len(chunk))
            report(0.1 + 0.75 * min(1.0, (c + len(chunk)) / len(todo)), "Embedding")
        bar.close()
        if hasattr(embedder, "release"):  # a server keeps its embedder for queries, which need no bulk sessions
            embedder.release()
        dim = embedder.dim
    else:
        dim = len(next(iter(cache.values())))
    p_vecs = np.stack([cache[k] for k in p_keys]).astype(np.float32)
    s_vecs = np.stack([cache[k] for k in s_keys]).astype(np.float32) if s_keys else np.zeros((0, dim), np.float32)

    # what the sentence vectors are (with nothing embedded, the cached ones were made with these settings)
    pools = embedder is None or (hasattr(embedder, "encode_spans") and getattr(embedder, "pools_spans", False))
    pooling = ("contextual" if contextual and pools else "standalone") if with_sentences else None

    report(0.88, "Writing index")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = index_dir / "builds" / f".tmp-{stamp}-{os.getpid()}"
    tmp.mkdir(parents=True)
    try:
        store = vector_store.store_spec(settings.vector_store)
        if store == "faiss":
            dense, dense_info = vector_store.build_faiss(p_vecs)  # exact up to FLAT_MAX passages, IVF above
            faiss.write_index(dense, str(tmp / "dense.faiss"))
        else:  # the build's own collection, named after it: the previous build keeps serving from its own
            collection = f"rag_{stamp}_{os.getpid()}"
            # named in the build directory first, so a build killed from here on can still be cleaned up
            (tmp / "dense_index.json").write_text(json.dumps({"type": "milvus", "store": store, "collection": collection}),
                                                  encoding="utf-8")
            dense_info = vector_store.write_milvus(store, collection, p_vecs)
        np.save(tmp / "sentences.npy", s_vecs)
        p_terms = [terms(t) for t in p_texts]
        bm25 = bm25s.BM25()
        bm25.index([t if t else ["\x00empty"] for t in p_terms], show_progress=False)
        bm25.save(str(tmp / "bm25"), show_progress=False)
        df = Counter(t for ts in p_terms for t in set(ts))
        (tmp / "term_df.json").write_text(json.dumps(df), encoding="utf-8")
        (tmp / "vector_keys.json").write_text(json.dumps({"passages": p_keys, "sentences": s_keys}), encoding="utf-8")
        (tmp / "documents.json").write_text(json.dumps([d.__dict__ for d in docs], ensure_ascii=False), encoding="utf-8")
        with open(tmp / "passages.jsonl", "w", encoding="utf-8") as fh:
            for p in passages:
                fh.write(json.dumps({"pid": p.pid, "doc_id": p.doc_id, "start": p.start, "end": p.end, "sentences": p.sentences}) + "\n")
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        counts = Counter(p.doc_id for p in passages)
        manifest = {
            "format_version": FORMAT_VERSION,
            "model": settings.embed_model,
            "embed_backend": backend,
            "embed_graph": graph,
            "dim": dim,
            "dense_index": dense_info,
            "chunking": settings.chunking(),
            "built_at": now,
            "sources": sources,
            "excluded": list(excluded or []),
            "documents": [
                {"doc_id": d.doc_id, "title": d.title, "source": d.source, "aliases": list(d.aliases), "passages": counts[d.doc_id],
                 "chars": len(d.text), "sha256": hashlib.sha256(d.text.encode("utf-8")).hexdigest(),
                 "added_at": (old_added or {}).get(d.doc_id) or now}
                for d in docs
            ],
            "passages": len(passages),
            "sentences": sum(len(p.sentences) for p in passages),
            "sentence_vectors": with_sentences,
            # "contextual": pooled from the passage's run (rag/pooling.py); "standalone": each embedded alone
            "sentence_pooling": pooling,
        }
        # The manifest is written last: a build directory without one is incomplete.
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        final = index_dir / "builds" / stamp
        os.rename(tmp, final)
    except BaseException:
        _drop_external_vectors(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = current_build(index_dir)
    _swap_current(index_dir, final)
    _remove_stale_builds(index_dir, keep={final, previous} - {None})
    report(1.0, "Done")
    return BuildReport(final, len(docs), len(passages), embedded, len(p_keys) + len(s_keys) - embedded,
                       list(skipped or []), time.time() - t0)


def _embed_chunk(embedder, chunk, texts, p_spans, p_keys, s_keys, s_first, cache, with_sentences, contextual) -> int:
    """Embed the passages ``chunk`` (and their sentences) into ``cache``; returns how many vectors were made."""
    spans = [p_spans[i] for i in chunk]
    if contextual and hasattr(embedder, "encode_spans"):
        vecs, pooled = embedder.encode_spans(texts, spans)
    else:  # sentences embedded on their own (the standalone setting, or an embedder that cannot pool)
        vecs = embedder.encode(texts)
        pooled = ([[]] * len(spans) if not with_sentences  # retrieval-only: passage vectors alone
                  else fill_alone(embedder.encode, texts, spans, [[None] * len(sp) for sp in spans]))
    made = 0
    for i, v, sv in zip(chunk, vecs, pooled):
        cache[p_keys[i]] = v
        made += 1
        if with_sentences:
            for key, vec in zip(s_keys[s_first[i] : s_first[i + 1]], sv):
                cache[key] = vec
                made += 1
    return made


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
