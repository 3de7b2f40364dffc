"""One frozen settings object, passed explicitly to every layer."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    """Everything that shapes an index or an answer.

    The fields under "chunking" and ``embed_model`` are recorded in the index
    manifest: an index built with other values is refused with a clear message.
    """

    index_dir: Path = Path("index")
    data_dir: Path = Path("data")
    # embedding model: a sentence-transformers name or a local path
    embed_model: str = DEFAULT_MODEL
    embed_batch_size: int = 32
    # chunking
    max_passage_words: int = 160
    title_in_passages: bool = True
    # retrieval
    # Fusion tuned on SciFact *train* queries (benchmarks/tune_fusion.py): min-max normalised
    # scores mixed half and half beat reciprocal rank fusion (train nDCG@10 0.725 vs 0.708).
    dense_k: int = 100
    bm25_k: int = 100
    fusion: str = "convex"  # "convex" or "rrf"
    rrf_k: int = 60
    dense_weight: float = 0.5
    bm25_weight: float = 0.5
    evidence_passages: int = 5
    # answering
    min_evidence: float = 0.32
    # added to a sentence holding the kind of answer asked for (tuned on half of SQuAD part A)
    type_bonus: float = 0.1
    max_answer_sentences: int = 2
    max_statements: int = 4
    max_question_chars: int = 2000
    engine: str = "extractive"  # or "llm": generated answers, every citation checked
    # generative engine (engine="llm")
    llm_url: str | None = None  # OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 (Ollama)
    llm_model: str = "default"
    llm_api_key: str | None = None
    llm_gguf: str | None = None  # a local GGUF file run with llama-cpp-python
    llm_context: int = 4096
    llm_passages: int = 5
    llm_max_tokens: int = 300
    llm_temperature: float = 0.1
    support_min: float = 0.5  # least support (see citecheck) for a citation to stand

    def chunking(self) -> dict:
        """The settings an index's passages depend on (stored in the manifest)."""
        return {"max_passage_words": self.max_passage_words, "title_in_passages": self.title_in_passages}

    def replace(self, **changes) -> "Settings":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then RAG_* environment variables, then explicit overrides (None is ignored)."""
        values: dict = {}
        env = {
            "index_dir": ("RAG_INDEX_DIR", Path),
            "data_dir": ("RAG_DATA_DIR", Path),
            "embed_model": ("RAG_EMBED_MODEL", str),
            "engine": ("RAG_ENGINE", str),
            "llm_url": ("RAG_LLM_URL", str),
            "llm_model": ("RAG_LLM_MODEL", str),
            "llm_api_key": ("RAG_LLM_API_KEY", str),
            "llm_gguf": ("RAG_LLM_GGUF", str),
        }
        for field, (var, cast) in env.items():
            if os.environ.get(var):
                values[field] = cast(os.environ[var])
        for key, value in overrides.items():
            if value is not None:
                values[key] = Path(value) if key in ("index_dir", "data_dir") else value
        return cls(**values)
