"""The one object the CLI and the UI talk to: load once, answer questions, swap in a rebuilt index."""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .answer.examples import example_questions
from .answer.extractive import ExtractiveEngine
from .answer.features import DECISION_FEATURES
from .answer.followup import standalone_question
from .answer.generative import condense_question, stream_answer
from .answer.llm import (
    ChatModel,
    label,
    make_model,
    wrap_llm,  # Assistant(settings, llm=...): a caller's own llama-index LLM
)
from .answer.models import load_models
from .answer.questions import QuestionError, clean_history, clean_question, with_note  # noqa: F401 - QuestionError: the CLI and UI import it from here
from .answer.rank import RANK_FEATURES
from .answer.reader import load_reader
from .answer.types import REFUSAL, Answer, Usage, word_count
from .search.embedding import Embedder, backend_for_index
from .search.retrieval import Retriever
from .search.scope import Scope, ScopeError, resolve_scope, within  # noqa: F401 - ScopeError: callers catch it from here
from .settings import ENGINES, Settings
from .store.index import Index, load_index
from .store.manifest import check_compatible, read_manifest
from .store.vectors_base import StoreUnavailable
from .text import nlp

if TYPE_CHECKING:  # the build is imported only when a rebuild runs: answering never loads it
    from .ingest.build import BuildReport


def check_question(question: str, settings: Settings) -> str:
    """The question cleaned and cut to ``settings.max_question_chars`` (see rag.answer.questions), or QuestionError."""
    return clean_question(question, settings.max_question_chars).text


def store_refusal(question: str, standalone: str, engine: str, exc: StoreUnavailable) -> Answer:
    """The answer while the vector store cannot be reached: a refusal that names it and says answers come back."""
    text = (
        f"I cannot answer right now: {exc}. No passage can be searched until it is back; answers resume by "
        "themselves then."
    )
    return Answer(question, text, True, standalone_question=standalone, engine=engine, note=str(exc))


OUTSIDE_SCOPE = "The chosen documents don't answer this question; an answer was found only in other documents."


def confine(answer: Answer, scope: Scope | None) -> Answer:
    """``answer`` if it cites only ``scope``'s documents, else a refusal saying so: the guarantee that a scoped
    answer never cites another document, whatever a stage looked at."""
    if scope is None:
        return answer
    answer.nearest = [c for c in answer.nearest if scope.holds(c.doc_id)]
    if all(scope.holds(c.doc_id) for c in answer.citations):
        return answer
    return Answer(
        answer.question,
        REFUSAL,
        True,
        [],
        answer.standalone_question,
        answer.nearest,
        note=OUTSIDE_SCOPE,
        engine=answer.engine,
        question_type=answer.question_type,
    )


def _usage(counted: Usage, question: str, answer: Answer) -> Usage:
    """What the answer cost: the model calls counted, or (no model asked) the question's and answer's words."""
    if counted.prompt_tokens or counted.completion_tokens:
        return counted
    return Usage(word_count(question), word_count(answer.answer), "words")


class Assistant:
    """Loads the index and models once; ``ask`` is safe to call while ``rebuild`` runs in another thread."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, llm: object | None = None):
        if llm is not None and settings.engine == "extractive":
            settings = settings.replace(engine="llama-index")  # a caller's own LLM answers by default
        self.settings = settings
        # ``llm``: any llama-index LLM object (Python API); it then answers for every LLM engine (rag.answer.llm.wrap_llm)
        self._llm = wrap_llm(llm) if llm is not None else None
        # fail fast on a missing or mismatched index, before the model loads
        manifest = read_manifest(settings.index_dir)
        check_compatible(manifest, settings, settings.index_dir)
        if settings.engine not in ENGINES:
            raise ValueError(f"unknown answer engine '{settings.engine}' (choose from: {', '.join(ENGINES)})")
        # questions are embedded by the backend that embedded the index's passages (under "auto")
        backend = backend_for_index(settings.embed_backend, manifest.get("embed_backend"))
        self.embedder = embedder or Embedder(
            settings.embed_model, settings.embed_batch_size, backend=backend, cache_dir=settings.cache_dir
        )
        self._build_lock = threading.Lock()
        self._engine = self._load()
        nlp.parse("Who is it?")  # the English model loads here, not in the first answer
        self._models: dict[str, ChatModel] = {}
        self._models_lock = threading.Lock()
        if settings.engine != "extractive":
            self.model(settings.engine)  # fail fast on a missing GGUF file or setting, before serving

    @property
    def engines(self) -> list[str]:
        """The engines a user can choose from: "extractive" and each configured LLM engine."""
        return self.settings.engines()

    def model(self, engine: str) -> ChatModel:
        """The model of LLM engine ``engine``, built on first use and then kept (a GGUF stays loaded)."""
        if self._llm is not None:  # the caller's own LLM (Assistant(settings, llm=...))
            return self._llm
        with self._models_lock:
            if engine not in self._models:
                self._models[engine] = make_model(engine, self.settings)
            return self._models[engine]

    @property
    def engine_name(self) -> str:
        """What answers by default: "extractive" or the model, e.g. "openai: smollm2 at http://..."."""
        return self.describe(self.settings.engine)

    def describe(self, engine: str) -> str:
        """A readable name for ``engine``: the model and where it runs, for an LLM engine."""
        return "extractive" if engine == "extractive" else label(engine, self.settings)

    def _load(self) -> ExtractiveEngine:
        index = load_index(self.settings)
        models = load_models(self.settings.decision_model, RANK_FEATURES, DECISION_FEATURES)
        return ExtractiveEngine(
            Retriever(index, self.embedder, self.settings),
            self.settings,
            load_reader(self.settings.reader, self.settings.cache_dir),
            models,
        )

    @property
    def engine(self) -> ExtractiveEngine:
        """The current index's extractive engine (a rebuild replaces it): its stages, for evaluation and training."""
        return self._engine

    def with_scoring(self, **changes) -> Assistant:
        """This assistant answering with some scoring settings changed (ScoringConfig fields), sharing the
        loaded index, models and embedder; for experiments that compare settings without reloading."""
        other = copy.copy(self)
        other.settings = self.settings.with_scoring(**changes)
        e = self._engine
        other._engine = ExtractiveEngine(e.retriever, other.settings, e.reader, e.models)
        return other

    @property
    def retriever(self) -> Retriever:
        """The current index's retriever (a rebuild replaces it)."""
        return self._engine.retriever

    @property
    def index(self) -> Index:
        return self._engine.retriever.index

    @property
    def manifest(self) -> dict:
        """The current index's manifest: model, dim, built_at, documents, passages, ..."""
        return self.index.manifest

    def ask(
        self,
        question: str,
        history: list[tuple[str, str]] | None = None,
        engine: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> Answer:
        """Answer ``question`` in the context of ``history`` ([user, assistant] pairs) with ``engine``, from the
        ``documents`` named (ids, file names or globs: rag.search.scope; None: all) or ScopeError."""
        answer = deque(self._stream(question, history, engine, documents, replay=False), maxlen=1)[0][1]
        if answer is None:  # the stream ends with the answer
            raise RuntimeError("the answer stream ended without an answer")
        return answer

    def stream(
        self,
        question: str,
        history: list[tuple[str, str]] | None = None,
        engine: str | None = None,
        documents: Sequence[str] | None = None,
        *,
        replay: bool = True,
    ) -> Generator[tuple[str, Answer | None], None, None]:
        """Yield the answer text as it grows, then (final text, Answer).

        ``engine`` defaults to the settings' engine; ``documents`` limits the answer to those documents
        (see :meth:`ask`). With an LLM engine the growing text is the model's raw reply as it is
        generated, and the final text the checked one. The extractive engine composes its answer
        whole: ``replay`` yields it word by word first (so the chat shows every engine's answer
        growing alike); without it, only the final answer comes.
        """
        return self._stream(question, history, engine, documents, replay=replay)

    def scope(self, documents: Sequence[str] | None) -> Scope | None:
        """The current index's documents named by ``documents`` (None: no limit), or ScopeError."""
        index = self.index
        return resolve_scope(index.documents, index.passages.of_document, documents)

    def _stream(
        self,
        question: str,
        history: list[tuple[str, str]] | None,
        engine: str | None,
        documents: Sequence[str] | None,
        replay: bool,
    ) -> Generator[tuple[str, Answer | None], None, None]:
        cleaned = clean_question(question, self.settings.max_question_chars)
        if cleaned.note:  # a cut question: answer what is left, and say so with the answer
            for text, answer in self._stream(cleaned.text, history, engine, documents, replay):
                yield text, None if answer is None else with_note(answer, cleaned.note)
            return
        q = cleaned.text
        history = clean_history(history, self.settings.max_question_chars)
        name = engine or self.settings.engine
        if name not in ENGINES:
            raise ValueError(f"unknown answer engine '{name}' (choose from: {', '.join(ENGINES)})")
        extractive = self._engine  # one index for the whole answer, even if a rebuild swaps it meanwhile
        index = extractive.index
        scope = resolve_scope(index.documents, index.passages.of_document, documents)
        standalone = standalone_question(q, history, extractive.is_person)
        counted = Usage()
        try:
            if name != "extractive":
                model = self.model(name)
                if history:
                    standalone = condense_question(model, history, q, fallback=standalone, usage=counted)
                for text, answer in stream_answer(extractive, model, self.settings, q, standalone, scope, counted):
                    if answer is not None:
                        answer = confine(answer, scope)
                        answer.usage = _usage(counted, q, answer)
                    yield text, answer
                return
            with within(scope):
                answer = confine(extractive.answer(q, standalone), scope)
        except StoreUnavailable as exc:  # the vectors' server is down: refuse, naming it; the next question tries again
            refusal = store_refusal(q, standalone, name, exc)
            yield refusal.answer, refusal
            return
        answer.usage = _usage(counted, q, answer)
        words = answer.answer.split(" ") if replay else []
        for i in range(1, len(words)):  # the composed answer, word by word, so every UI streams alike
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
        from .ingest.build import build_index

        with self._build_lock:
            report = build_index(
                paths,
                self.settings,
                add=add,
                exclude=exclude,
                embedder=self.embedder,
                progress=progress,
                show_progress=show_progress,
            )
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

    def example_questions(self, limit: int = 4) -> list[str]:
        """Questions about what is indexed (its speakers, people, abbreviations, titles) for the chat to offer."""
        return example_questions(self._engine, limit)

    def reload(self) -> None:
        """Switch to whatever index is current on disk."""
        self._engine = self._load()
