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
    # "auto" | "onnx-int8" | "onnx" | "torch" (rag/embedding.py); None: $RAG_EMBED_BACKEND, else "auto".
    # Recorded in the manifest; the embedding cache only reuses vectors of the same backend.
    embed_backend: str | None = None
    # where passage vectors live (rag/vector_store.py): "faiss" (a file in the build), "milvus://HOST:PORT"
    # (a Milvus server) or "milvus:///path/file.db" (Milvus Lite); None: $RAG_VECTOR_STORE, else "faiss"
    vector_store: str | None = None
    # sentence vectors (the evidence answers quote): "contextual" pools each sentence's tokens from its
    # passage's run of the model (rag/pooling.py; no second run, about half the ingest time); "standalone"
    # embeds every sentence alone as well. Recorded in the manifest as "sentence_pooling" (docs/TUNING.md).
    sentence_vectors: str = "contextual"
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
    # a second evidence sentence joins the answer when it scores at least this share of the best one
    # and brings at least this IDF-weighted share of the query's terms the answer lacks
    # (benchmarks/tune_second_sentence.py, on half of SQuAD part A)
    second_sentence_ratio: float = 0.9
    second_sentence_gain: float = 0.15
    max_statements: int = 4
    max_question_chars: int = 2000
    # answer engine: "extractive" (no LLM), or "openai" / "ollama" / "llamacpp" (generated, every citation checked)
    engine: str = "extractive"
    openai_base_url: str | None = None  # any OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1
    openai_model: str = "default"
    openai_api_key: str | None = None  # from $RAG_OPENAI_API_KEY or $OPENAI_API_KEY, never a file
    ollama_base_url: str = "http://127.0.0.1:11434"
    ollama_model: str | None = None
    llamacpp_model_path: str | None = None  # a local GGUF chat model, run in-process
    llm_context: int = 4096
    llm_passages: int = 5
    llm_max_tokens: int = 300
    llm_temperature: float = 0.1
    llm_timeout: float = 60.0  # seconds to connect, and between streamed pieces
    strict: bool = False  # remove generated sentences the citation check does not support (else mark them)
    support_min: float = 0.5  # least support (see citecheck) for a citation to stand

    def __post_init__(self) -> None:
        if self.sentence_vectors not in ("contextual", "standalone"):
            raise ConfigError(f"sentence_vectors must be \"contextual\" or \"standalone\", not {self.sentence_vectors!r}")

    def chunking(self) -> dict:
        """The settings an index's passages depend on (stored in the manifest)."""
        return {"max_passage_words": self.max_passage_words, "title_in_passages": self.title_in_passages}

    def replace(self, **changes) -> "Settings":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def engines(self) -> list[str]:
        """The answer engines these settings configure: always "extractive", then each LLM engine set up."""
        out = ["extractive"]
        if self.openai_base_url:
            out.append("openai")
        if self.ollama_model:
            out.append("ollama")
        if self.llamacpp_model_path:
            out.append("llamacpp")
        if self.engine not in out:
            out.append(self.engine)  # asked for but not set up: Assistant reports what is missing
        return out

    @classmethod
    def from_env(cls, config: str | Path | None = None, **overrides) -> "Settings":
        """Defaults, then the settings file, then RAG_* environment variables, then explicit overrides.

        The settings file is ``config``, else $RAG_CONFIG, else ``rag.toml`` in the
        working directory if there is one: TOML with field names as keys, e.g.
        ``engine = "ollama"`` and ``ollama_model = "llama3.2"``. Overrides that are
        None are ignored, so CLI options left unset don't mask the file or environment.
        """
        values: dict = dict(read_config(config))
        for field, (var, cast) in _ENV.items():
            if os.environ.get(var):
                values[field] = cast(os.environ[var])
        if not values.get("openai_api_key") and os.environ.get("OPENAI_API_KEY"):
            values["openai_api_key"] = os.environ["OPENAI_API_KEY"]
        for key, value in overrides.items():
            if value is not None:
                values[key] = value
        for key in ("index_dir", "data_dir"):
            if key in values:
                values[key] = Path(values[key])
        return cls(**values)


_ENV: dict[str, tuple[str, type]] = {
    "index_dir": ("RAG_INDEX_DIR", Path),
    "data_dir": ("RAG_DATA_DIR", Path),
    "embed_model": ("RAG_EMBED_MODEL", str),
    "engine": ("RAG_ENGINE", str),
    "openai_base_url": ("RAG_OPENAI_BASE_URL", str),
    "openai_model": ("RAG_OPENAI_MODEL", str),
    "openai_api_key": ("RAG_OPENAI_API_KEY", str),
    "ollama_base_url": ("RAG_OLLAMA_BASE_URL", str),
    "ollama_model": ("RAG_OLLAMA_MODEL", str),
    "llamacpp_model_path": ("RAG_LLAMACPP_MODEL_PATH", str),
}


class ConfigError(ValueError):
    """A settings file that cannot be used; the message names the file and the problem."""


def read_config(config: str | Path | None = None) -> dict:
    """The fields set by the settings file (see :meth:`Settings.from_env`); {} when there is none."""
    import tomllib

    path = Path(config) if config else Path(os.environ["RAG_CONFIG"]) if os.environ.get("RAG_CONFIG") else Path("rag.toml")
    if not path.is_file():
        if config or os.environ.get("RAG_CONFIG"):
            raise ConfigError(f"settings file {path} not found")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from exc
    fields = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise ConfigError(f"settings file {path}: unknown setting(s) {', '.join(unknown)}")
    if "openai_api_key" in data:
        raise ConfigError(f"settings file {path}: put the API key in $RAG_OPENAI_API_KEY or $OPENAI_API_KEY, not in a file")
    return data
