"""Cited question answering over a set of documents, offline.

Data path: ingest (read, split, note, embed, write) -> store (the index on disk) -> search (hybrid
retrieval) -> answer (analyse, read, rank, compose, decide, cite); train and eval beside it; the
CLI, the web app (rag_ui) and the integrations on top. The public surface is what ``__all__``
names; everything else is internal and may change.

    from rag import Assistant, Settings, build_index
    build_index(["docs/"], Settings(index_dir="index"))
    answer = Assistant(Settings(index_dir="index")).ask("Who led the evacuation?")

Names load on first use, so ``import rag`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_PUBLIC = {
    "Assistant": "rag.assistant",
    "Settings": "rag.settings",
    "ScoringConfig": "rag.settings",
    "ConfigError": "rag.settings",
    "Answer": "rag.answer.types",
    "Citation": "rag.answer.types",
    "AnswerSentence": "rag.answer.types",
    "QuestionError": "rag.answer.questions",
    "build_index": "rag.ingest.build",
    "BuildReport": "rag.ingest.build",
    "Document": "rag.store.documents",
    "IndexError_": "rag.store.manifest",
    "IndexMissing": "rag.store.manifest",
    "IndexMismatch": "rag.store.manifest",
    "IndexCorrupt": "rag.store.manifest",
    "BuildError": "rag.store.manifest",
    "SourceError": "rag.ingest.sources",
    "SUPPORTED_SUFFIXES": "rag.ingest.sources",
    "ScopeError": "rag.assistant",
    "check_question": "rag.assistant",
    "StoreUnavailable": "rag.store.vectors_base",
}
__all__ = [
    "__version__",
    "Assistant",
    "Settings",
    "ScoringConfig",
    "ConfigError",
    "Answer",
    "Citation",
    "AnswerSentence",
    "QuestionError",
    "build_index",
    "BuildReport",
    "Document",
    "IndexError_",
    "IndexMissing",
    "IndexMismatch",
    "IndexCorrupt",
    "BuildError",
    "SourceError",
    "SUPPORTED_SUFFIXES",
    "ScopeError",
    "check_question",
    "StoreUnavailable",
]

if TYPE_CHECKING:
    from .answer.questions import QuestionError
    from .answer.types import Answer, AnswerSentence, Citation
    from .assistant import Assistant, ScopeError, check_question
    from .ingest.build import BuildReport, build_index
    from .ingest.sources import SUPPORTED_SUFFIXES, SourceError
    from .settings import ConfigError, ScoringConfig, Settings
    from .store.documents import Document
    from .store.manifest import BuildError, IndexCorrupt, IndexError_, IndexMismatch, IndexMissing
    from .store.vectors_base import StoreUnavailable


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rag' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
