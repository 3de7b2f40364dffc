"""A build's vectors: reused from the current index by cache key, else embedded a window at a time.

Every passage and sentence vector is keyed by a hash of what was embedded (spool.digest):
the passage's text as searched (title included), and for a sentence its text, or when
sentence vectors are pooled from the passage's run (rag/search/pooling.py) the passage's key and
the sentence's place in it. A rebuild looks each key up in the current index's vectors and
runs only the passages it lacks through the model, which it loads only then.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..search.pooling import fill_alone
from ..settings import Settings
from ..store import vector_store
from ..store.documents import Document, Passage, passage_text_for_search
from ..store.manifest import CACHE_FORMATS, existing_build, read_manifest
from ..store.vector_store import stored_passage_vectors
from .spool import KEY_BYTES, VectorCache, digest

CHUNK = 256  # passages per embedding call between progress updates


def planned_backend(settings: Settings, embedder) -> tuple[str, str | None]:
    """The embedding backend and exported graph (embedding.export_id) a build will use.

    Decided without loading the model, so an unchanged rebuild loads none. An embedder
    without a backend name (a test double) is named by its class.
    """
    from ..search.embedding import export_id, resolve_backend

    if embedder is not None:
        return getattr(embedder, "backend", None) or type(embedder).__name__, getattr(embedder, "graph", None)
    backend = resolve_backend(settings.embed_model, settings.embed_backend, settings.cache_dir)
    return backend, export_id(settings.embed_model, backend)


def previous_vectors(settings: Settings, backend: str, graph: str | None) -> VectorCache:
    """Vectors of the current index keyed by the hash of the text embedded (the embedding cache).

    Reads only the vector files (sentence vectors memory-mapped); an index of another
    model, embedding backend, exported graph or format, or a damaged one, gives no cache.
    (int8 and fp32 vectors of one model, or of two exports of it, are close but not
    identical: one index never mixes them. Indexes from before backends were recorded
    were embedded by torch.)
    """
    index_dir = Path(settings.index_dir)
    try:
        manifest = read_manifest(index_dir, any_format=True)
        if (
            manifest["format_version"] not in CACHE_FORMATS
            or manifest.get("model") != settings.embed_model
            or manifest.get("embed_backend", "torch") != backend
            or manifest.get("embed_graph") != graph
        ):
            return VectorCache.empty()
        build = existing_build(index_dir)
        p_keys, s_keys = _cache_keys(build)
        passage_vecs = stored_passage_vectors(build, vector_store.open_store(build, manifest))
        sentence_vecs = np.load(build / "sentences.npy", mmap_mode="r") if len(s_keys) else passage_vecs[:0]
        if len(p_keys) != len(passage_vecs) or len(s_keys) != len(sentence_vecs):
            return VectorCache.empty()
        return VectorCache([p_keys, s_keys], [passage_vecs, sentence_vecs])
    except Exception:  # a damaged file makes numpy and faiss raise almost anything (EOFError, ...): no cache, rebuild
        return VectorCache.empty()


def _cache_keys(build: Path) -> tuple[np.ndarray, np.ndarray]:
    """A build's passage and sentence cache keys, row for row with its vectors."""
    if (build / "passage_keys.npy").exists():
        return np.load(build / "passage_keys.npy"), np.load(build / "sentence_keys.npy")
    # builds from before the keys were stored in binary
    keys = json.loads((build / "vector_keys.json").read_text(encoding="utf-8"))
    p_keys, s_keys = (
        np.array([bytes.fromhex(k) for k in keys[part]], dtype=f"S{KEY_BYTES}") for part in ("passages", "sentences")
    )
    return p_keys, s_keys


class BuildCancelled(Exception):
    """The build was abandoned while a window was embedding in the background."""


class BackendChanged(Exception):
    """The model loaded with another backend than planned (its export failed): cached vectors do not fit."""

    def __init__(self, embedder):
        super().__init__(embedder.backend)
        self.embedder = embedder


@dataclass
class Queued:
    """A passage waiting in the window for its vectors."""

    text: str  # as embedded (may start with the title)
    spans: list[tuple[int, int]]  # its sentences in ``text``
    key: bytes
    sentence_keys: list[bytes]


class BuildVectors:
    """Vectors for a build's passages and sentences: from the cache, else from the model (loaded when first needed)."""

    def __init__(
        self, settings: Settings, embedder, backend: str, graph: str | None, cache: VectorCache, with_sentences: bool
    ):
        self.settings, self.embedder, self.backend, self.graph, self.cache = settings, embedder, backend, graph, cache
        self.with_sentences = with_sentences
        self.contextual = with_sentences and settings.sentence_vectors == "contextual"
        self.embedded = self.reused = 0
        self.dim: int | None = cache.dim
        self.cancelled = threading.Event()  # set when the build is abandoned: a window embedding stops after its chunk

    def queue(self, passage: Passage, doc: Document) -> Queued:
        """A passage's text as embedded and the cache keys of it and of its sentences."""
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
        return Queued(text, spans, key, s_keys)

    def _load_model(self) -> None:
        from ..search.embedding import Embedder

        self.embedder = Embedder(
            self.settings.embed_model,
            self.settings.embed_batch_size,
            backend=self.settings.embed_backend,
            cache_dir=self.settings.cache_dir,
        )
        if self.embedder.backend != self.backend:  # the export failed just now: torch vectors
            if self.reused:
                raise BackendChanged(self.embedder)
            self.backend, self.graph, self.cache = self.embedder.backend, None, VectorCache.empty()

    def _lookup(self, window: list[Queued]) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
        """Cache rows of each passage and of its sentences, and the passages to run through the model."""
        p_rows = self.cache.rows([q.key for q in window])
        s_rows = np.split(
            self.cache.rows([k for q in window for k in q.sentence_keys]),
            np.cumsum([len(q.sentence_keys) for q in window])[:-1],
        )
        return p_rows, s_rows, [j for j in range(len(window)) if p_rows[j] < 0 or (s_rows[j] < 0).any()]

    def compute(
        self, window: list[Queued], on_chunk: Callable[[int], None]
    ) -> list[tuple[np.ndarray, list[np.ndarray]]]:
        """Each queued passage's vector and its sentences' vectors, in window order."""
        p_rows, s_rows, todo = self._lookup(window)
        if todo and self.embedder is None:
            self._load_model()
            p_rows, s_rows, todo = self._lookup(window)  # the cache may have gone with the backend
        out: list = [None] * len(window)
        rerun = set(todo)
        for j in range(len(window)):
            if j not in rerun:
                out[j] = (self.cache.vector(p_rows[j]), [self.cache.vector(r) for r in s_rows[j]])
                self.reused += 1 + len(s_rows[j])
        todo.sort(key=lambda j: len(window[j].text))  # similar lengths share a batch
        for c in range(0, len(todo), CHUNK):
            if self.cancelled.is_set():
                raise BuildCancelled()
            chunk = todo[c : c + CHUNK]
            vecs, pooled = embed_passages(
                self.embedder,
                [window[j].text for j in chunk],
                [window[j].spans for j in chunk],
                self.with_sentences,
                self.contextual,
            )
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
        pools = self.embedder is None or (
            hasattr(self.embedder, "encode_spans") and getattr(self.embedder, "pools_spans", False)
        )
        return "contextual" if self.contextual and pools else "standalone"

    def release(self) -> None:
        """Let the embedder free what only bulk embedding needs (a server keeps it for queries)."""
        if self.embedded and hasattr(self.embedder, "release"):
            self.embedder.release()


def embed_passages(
    embedder, texts: list[str], spans: list[list[tuple[int, int]]], with_sentences: bool, contextual: bool
) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Vectors of ``texts`` and of their sentences (``spans``)."""
    if contextual and hasattr(embedder, "encode_spans"):
        return embedder.encode_spans(texts, spans)
    vecs = embedder.encode(texts)
    if not with_sentences:  # retrieval-only: passage vectors alone
        return vecs, [[] for _ in spans]
    # sentences embedded on their own (the standalone setting, or an embedder that cannot pool)
    return vecs, fill_alone(embedder.encode, texts, spans, [[None] * len(sp) for sp in spans])
