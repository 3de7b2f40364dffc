"""The one object the CLI and the UI talk to: load once, answer questions, swap in a rebuilt index."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from .answer import Answer, ExtractiveEngine
from .attribution import attribute
from .chat import standalone_question
from .embedding import Embedder
from .generative import stream_answer
from .llm import make_client
from .index import BuildReport, Index, build_index, check_compatible, load_index, read_manifest
from .retrieval import Retriever
from .questions import QuestionError, clean_question, with_note  # QuestionError: the CLI and UI import it from here
from .settings import Settings


ENGINES = ("extractive", "llm")


def check_question(question: str, settings: Settings) -> str:
    """The question cleaned and cut to ``settings.max_question_chars`` (see rag.questions), or QuestionError."""
    return clean_question(question, settings.max_question_chars).text


class Assistant:
    """Loads the index and models once; ``ask`` is safe to call while ``rebuild`` runs in another thread."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        # fail fast on a missing or mismatched index, before the model loads
        check_compatible(read_manifest(settings.index_dir), settings, settings.index_dir)
        if settings.engine not in ENGINES:
            raise ValueError(f"unknown answer engine '{settings.engine}' (choose from: {', '.join(ENGINES)})")
        self.embedder = embedder or Embedder(settings.embed_model, settings.embed_batch_size)
        self._build_lock = threading.Lock()
        self._engine = self._load()
        # the generative engine's model client (loaded once; a GGUF model stays in memory)
        self.client = make_client(settings) if settings.engine == "llm" else None

    @property
    def engine_name(self) -> str:
        """What answers: "extractive" or "llm (<model>)"."""
        return f"llm ({self.client.name})" if self.client else "extractive"

    def _load(self) -> ExtractiveEngine:
        index = load_index(self.settings)
        sentences: dict[str, list[tuple[int, int]]] = {doc_id: [] for doc_id in index.documents}
        for p in index.passages:  # passages are in document order
            sentences[p.doc_id].extend(p.sentences)
        statements = {doc_id: attribute(doc.text, sentences[doc_id]) for doc_id, doc in index.documents.items()}
        return ExtractiveEngine(Retriever(index, self.embedder, self.settings), self.settings, statements)

    @property
    def index(self) -> Index:
        return self._engine.retriever.index

    @property
    def manifest(self) -> dict:
        """The current index's manifest: model, dim, built_at, documents, passages, ..."""
        return self.index.manifest

    def ask(self, question: str, history: list[tuple[str, str]] | None = None) -> Answer:
        """Answer ``question`` in the context of ``history`` ([user, assistant] pairs)."""
        if self.client is None:
            cleaned = clean_question(question, self.settings.max_question_chars)
            return with_note(self._engine.answer(cleaned.text, standalone_question(cleaned.text, history)), cleaned.note)
        answer = None
        for _, answer in self.stream(question, history):
            pass
        return answer

    def stream(self, question: str, history: list[tuple[str, str]] | None = None) -> Iterator[tuple[str, Answer | None]]:
        """Yield the answer text as it grows, then (final text, Answer).

        With the generative engine the growing text is the model's raw reply; the
        final text is the checked one (unsupported sentences removed).
        """
        cleaned = clean_question(question, self.settings.max_question_chars)
        if cleaned.note:  # a cut question: answer what is left, and say so with the answer
            for text, answer in self.stream(cleaned.text, history):
                yield text, None if answer is None else with_note(answer, cleaned.note)
            return
        q = cleaned.text
        engine = self._engine  # one engine for the whole answer, even if a rebuild swaps it meanwhile
        standalone = standalone_question(q, history)
        if self.client is not None:
            yield from stream_answer(engine, self.client, self.settings, q, standalone)
            return
        answer = engine.answer(q, standalone)
        words = answer.answer.split(" ")
        for i in range(1, len(words)):
            yield " ".join(words[:i]), None
        yield answer.answer, answer

    def rebuild(
        self,
        paths: list[Path],
        *,
        add: bool = False,
        exclude: list[Path] | None = None,
        progress=None,
        show_progress: bool = False,
    ) -> BuildReport:
        """Build a new index and switch to it; on any failure the current index keeps serving.

        ``progress(fraction, message)`` is called as the build advances.
        """
        with self._build_lock:
            report = build_index(paths, self.settings, add=add, exclude=exclude, embedder=self.embedder,
                                 progress=progress, show_progress=show_progress)
            self._engine = self._load()
            return report

    def remove_document(self, doc_id: str, progress=None) -> BuildReport:
        """Rebuild without the document ``doc_id`` (its files are excluded from the recorded sources)."""
        doc = self.index.documents.get(doc_id)
        if doc is None:
            raise KeyError(f"no document with id {doc_id}")
        if len(self.index.documents) == 1:
            raise ValueError("cannot remove the only document: add another first")
        return self.rebuild([], exclude=[Path(s) for s in doc.sources], progress=progress)

    def reload(self) -> None:
        """Switch to whatever index is current on disk."""
        self._engine = self._load()
