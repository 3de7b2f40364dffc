"""One frozen settings object, passed explicitly to every layer; the only place that reads the environment.

Values come from, in order: the defaults below, a settings file (TOML, field names as keys,
the scoring fields under ``[scoring]``), ``RAG_<FIELD>`` environment variables (every field,
scoring ones too), and explicit overrides (the CLI's options). Every value is checked for
type, allowed values and range. An unknown key of the settings file is an error naming the
nearest valid one; an unknown ``RAG_*`` variable (perhaps another tool's, or a typo) is a
warning naming it, and is otherwise ignored.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import typing
from dataclasses import dataclass
from pathlib import Path

from .settings_check import CHOICES, RANGES, SCORING_RANGES, allowed_types, nearest, validate
from .settings_check import EMBED_BACKENDS as EMBED_BACKENDS
from .settings_check import ENGINES as ENGINES
from .settings_check import ConfigError as ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# RAG_* variables that are not fields: the settings file itself
OTHER_VARIABLES = {"RAG_CONFIG"}
# fields that hold secrets: from the environment only, never from a settings file, never printed
SECRETS = ("openai_api_key", "api_key", "auth", "milvus_token")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoringConfig:
    """The weights and thresholds of the extractive engine, each with where it was chosen (docs/TUNING.md
    sections; SQuAD articles are split by title in rag/eval/squad.py). No other number decides an answer."""

    # passages retrieved, and the top ones whose sentences are candidates ("Evidence sentence scoring")
    search_passages: int = 10
    evidence_passages: int = 5
    # a sentence's evidence score, the order without a ranker and one of its features: weights of its cosine to
    # the question, its IDF-weighted share of the question's words, its passage's score ("Evidence sentence scoring")
    evidence_cosine: float = 0.5
    evidence_lexical: float = 0.3
    evidence_passage: float = 0.2
    # the reader reads this many of the top passages for the types it reads; it costs most of an
    # answer's time ("What the reader's scores do now")
    reader_passages: int = 2
    # the learned decision answers when the sources answer with at least this probability: for the types the
    # reader reads, and for the rest; each the highest that refuses at most 5% of every question type's answerable
    # questions, on the tune articles, out-of-fold on the training articles and out-of-fold on the questions
    # about documents of other kinds ("Answer or refuse"; "A threshold for documents of other kinds")
    answer_min: float = 0.1586
    answer_min_unread: float = 0.1571
    # a sentence of fewer words (a heading, a label) is never quoted alone ("Sentences as a reader sees them")
    min_quote_words: int = 4
    # a short answer is the reader's span when it has at most this many words and this share of its sentence
    # ("Short answers")
    short_answer_words: int = 12
    short_answer_share: float = 0.8
    # the reader's best spans of the sentence tried in turn for that short answer: the first that reads as one
    # (within those limits, a word, not a list marker) ("Short answers")
    short_answer_phrases: int = 3
    # expected answer kinds whose short answer is the entity of that kind nearest the reader's span, rather than
    # the span itself ("Short answers")
    typed_short_types: tuple[str, ...] = ()
    # factoid: the expected kind of answer is looked for in this many candidates, down to this share of the
    # best one's likelihood ("The expected kind of answer")
    type_candidates: int = 3
    type_ratio: float = 0.8
    # a neighbour of the best sentence this close to its likelihood joins it ("A second sentence")
    neighbour_ratio: float = 0.9
    max_answer_sentences: int = 2
    # why/how: a sentence that announces reasons or steps ("There are several reasons for ...", "... as follows:")
    # is quoted with at most this many sentences after it in its paragraph (docs/TUNING.md, "Why and how")
    announced_sentences: int = 4
    # a second evidence sentence joins the answer when it is at least this share as likely as the best one and
    # brings at least this IDF-weighted share of the query's terms the answer lacks ("A second sentence")
    second_sentence_ratio: float = 0.9
    second_sentence_gain: float = 0.15
    # "what did X say": at most this many statements; least topic relevance of a statement "about" something,
    # and of each further one as a share of the best ("Statements")
    max_statements: int = 4
    topic_min: float = 0.25
    topic_ratio: float = 0.7
    # how much a statement is about a topic: this weight on its cosine, the rest on word overlap
    topic_cosine: float = 0.6
    # a statement of at most two sentences and this many words is quoted whole; else its best sentence, with a
    # neighbour scoring at least this share of it; an opening shorter than this many words brings the next one;
    # a quotation longer than this many characters is cited by the sentence and the one naming its speaker;
    # a reported statement brings the quote that follows it when that scores this share of it ("Statements")
    statement_words: int = 45
    statement_neighbour_ratio: float = 0.85
    short_opening_words: int = 10
    long_quote_chars: int = 600
    elaboration_ratio: float = 0.25
    # "who is X": the apposition quoted with a name has at most this many words ("Statements")
    apposition_words: int = 20
    # the citation check (rag/answer/citecheck.py): support = this weight on the claim's cosine to the sentence,
    # the rest on the share of its words the sentence holds ("Citation check")
    support_cosine: float = 0.5
    # lists: entities of the passages of the top three documents (at most this many passages of each), at
    # most ``list_max_items`` items ("Lists and summaries")
    list_passages: int = 60
    list_max_items: int = 8
    # a list the documents write out is quoted whole up to this many items: it is the document's own answer,
    # and cut at 8 it lost the last two of ten "best practices" (a readable answer's length; not tuned)
    written_list_max_items: int = 15
    # a list the documents write out (a lead-in and its items) answers a list question when one of this many
    # top candidates is its lead-in or one of its items ("Lists and summaries")
    list_lead_candidates: int = 3
    # summaries: maximal marginal relevance over candidates above this share of the best ("Lists and summaries")
    summary_sentences: int = 5
    summary_min_words: int = 6
    summary_min_ratio: float = 0.6
    summary_max_similarity: float = 0.9
    mmr_lambda: float = 0.7

    def __post_init__(self) -> None:
        validate(self, SCORING_RANGES, {})


@dataclass(frozen=True)
class Settings:
    """Everything that shapes an index or an answer.

    The fields under "chunking" and ``embed_model`` are recorded in the index
    manifest: an index built with other values is refused with a clear message.
    """

    index_dir: Path = Path("index")
    data_dir: Path = Path("data")
    # exported ONNX graphs (rag/search/onnx_embedding.py); None: ~/.cache/rag-cited
    cache_dir: Path | None = None
    # embedding model: a sentence-transformers name or a local path
    embed_model: str = DEFAULT_MODEL
    embed_batch_size: int = 32
    # one of EMBED_BACKENDS (rag/search/embedding.py). Recorded in the manifest; the embedding cache only
    # reuses vectors of the same backend.
    embed_backend: str = "auto"
    # where passage vectors live (rag/store/vector_store.py): "faiss" (a file in the build), "milvus://HOST:PORT"
    # (a Milvus server over plain http), "milvus+https://HOST:PORT" (a Milvus server or Zilliz Cloud over TLS)
    # or "milvus:///path/file.db" (Milvus Lite)
    vector_store: str = "faiss"
    # a Milvus server's credentials: a token ("USER:PASSWORD" or an API key; from $RAG_MILVUS_TOKEN, never a file)
    # and the database new builds write their collections to (None: the server's "default"). The manifest records
    # the database, so an index keeps reading the one it was built in.
    milvus_token: str | None = None
    milvus_db: str | None = None
    # sentence vectors (the evidence answers quote): "contextual" pools each sentence's tokens from its
    # passage's run of the model (rag/search/pooling.py; no second run, about half the ingest time); "standalone"
    # embeds every sentence alone as well. Recorded in the manifest as "sentence_pooling" (docs/TUNING.md).
    sentence_vectors: str = "contextual"
    # chunking
    max_passage_words: int = 160
    title_in_passages: bool = True
    # retrieval: fusion chosen on SciFact *train* queries (docs/TUNING.md)
    dense_k: int = 100
    bm25_k: int = 100
    fusion: str = "convex"  # "convex" or "rrf"
    rrf_k: int = 60
    dense_weight: float = 0.5
    bm25_weight: float = 0.5
    # how answers are chosen and when they are refused: every weight and threshold
    scoring: ScoringConfig = dataclasses.field(default_factory=ScoringConfig)
    # the reader (rag/answer/reader.py): "bundled" (the model shipped in rag/reader_model), "off", or a folder
    reader: str = "bundled"
    # the learned ranker and answer-or-refuse decision (rag/answer/models.py): "bundled" (rag/decision_model),
    # "off" (retrieval's order, and answer whatever is composed), or a folder trained by `rag train-decision`
    decision_model: str = "bundled"
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
    # the web server: USER:PASS for a login, and a key API clients must send (never from a file)
    auth: str | None = None
    api_key: str | None = None
    # the largest request body the OpenAI-compatible API and MCP accept (bytes; larger ones get HTTP 413)
    max_request_bytes: int = 1_048_576
    # seconds between the keep-alive comments of a streamed OpenAI API answer (proxies drop silent connections)
    api_keepalive: float = 10.0

    def __post_init__(self) -> None:
        if isinstance(self.scoring, dict):
            object.__setattr__(self, "scoring", _scoring_from(self.scoring, "scoring"))
        for name in ("index_dir", "data_dir", "cache_dir"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Path(value))
        validate(self, RANGES, CHOICES)

    def chunking(self) -> dict:
        """The settings an index's passages depend on (stored in the manifest)."""
        return {"max_passage_words": self.max_passage_words, "title_in_passages": self.title_in_passages}

    def replace(self, **changes) -> Settings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def with_scoring(self, **changes) -> Settings:
        """A copy with some scoring fields changed."""
        return dataclasses.replace(self, scoring=dataclasses.replace(self.scoring, **changes))

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
    def from_env(cls, config: str | Path | None = None, **overrides) -> Settings:
        """Defaults, then the settings file, then RAG_* environment variables, then explicit overrides.

        The settings file is ``config``, else $RAG_CONFIG, else ``rag.toml`` in the working
        directory if there is one. Overrides that are None are ignored, so CLI options left
        unset don't mask the file or environment.
        """
        return load(config, **overrides)[0]


def _scoring_from(values: dict, where: str) -> ScoringConfig:
    names = {f.name for f in dataclasses.fields(ScoringConfig)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"{where}: unknown scoring setting {nearest(unknown[0], names)}")
    return ScoringConfig(**values)


# -- reading ----------------------------------------------------------------------------------
def _parse(text: str, hint, name: str):
    """An environment variable's text as the field's type (a list of words: comma-separated)."""
    if typing.get_origin(hint) is tuple:
        return tuple(w.strip() for w in text.split(",") if w.strip())
    allowed = allowed_types(hint)
    if type(None) in allowed and text.strip().lower() in ("", "none", "null"):
        return None
    try:
        if bool in allowed:
            if text.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if text.strip().lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        for t in (int, float, Path):
            if t in allowed:
                return t(text)
    except ValueError as exc:
        raise ConfigError(f"${_var(name)}: {text!r} is not a valid {allowed[0].__name__}") from exc
    return text


def _var(name: str) -> str:
    return f"RAG_{name.upper()}"


def load(config: str | Path | None = None, **overrides) -> tuple[Settings, dict[str, str]]:
    """The settings (see :meth:`Settings.from_env`) and, per field, where its value came from."""
    fields = {f.name for f in dataclasses.fields(Settings)} - {"scoring"}
    scoring_fields = {f.name for f in dataclasses.fields(ScoringConfig)}
    file_values, path = read_config(config)
    origin = {name: f"file {path}" for name in file_values if name != "scoring"}
    origin.update({f"scoring.{k}": f"file {path}" for k in file_values.get("scoring", {})})
    values = {k: v for k, v in file_values.items() if k != "scoring"}
    scoring = dict(file_values.get("scoring", {}))
    hints, scoring_hints = typing.get_type_hints(Settings), typing.get_type_hints(ScoringConfig)
    for var, text in os.environ.items():
        if not var.startswith("RAG_") or var in OTHER_VARIABLES:
            continue
        name = var[4:].lower()
        if name in fields:
            values[name], origin[name] = _parse(text, hints[name], name), f"env {var}"
        elif name in scoring_fields:
            scoring[name], origin[f"scoring.{name}"] = _parse(text, scoring_hints[name], name), f"env {var}"
        else:  # a typo, or another tool's variable: say so, and go on
            names = [_var(n) for n in fields | scoring_fields] + sorted(OTHER_VARIABLES)
            log.warning("ignoring unknown environment variable %s", nearest(var, names))
    if not values.get("openai_api_key") and os.environ.get("OPENAI_API_KEY"):
        values["openai_api_key"], origin["openai_api_key"] = os.environ["OPENAI_API_KEY"], "env OPENAI_API_KEY"
    for key, value in overrides.items():
        if value is not None:
            values[key], origin[key] = value, "command line"
    settings = Settings(**values, scoring=_scoring_from(scoring, "settings"))
    return settings, origin


def read_config(config: str | Path | None = None) -> tuple[dict, Path | None]:
    """The fields the settings file sets, and its path; ({}, None) when there is none."""
    import tomllib

    path = (
        Path(config) if config else Path(os.environ["RAG_CONFIG"]) if os.environ.get("RAG_CONFIG") else Path("rag.toml")
    )
    if not path.is_file():
        if config or os.environ.get("RAG_CONFIG"):
            raise ConfigError(f"settings file {path} not found")
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from exc
    fields = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise ConfigError(f"settings file {path}: unknown setting(s) {', '.join(nearest(u, fields) for u in unknown)}")
    for secret in SECRETS:
        if secret in data:
            raise ConfigError(f"settings file {path}: put {secret} in the environment (${_var(secret)}), not in a file")
    if "scoring" in data and not isinstance(data["scoring"], dict):
        raise ConfigError(f"settings file {path}: scoring must be a table ([scoring])")
    try:
        Settings(**data)
    except ConfigError as exc:
        raise ConfigError(f"settings file {path}: {exc}") from None
    except TypeError as exc:
        raise ConfigError(f"settings file {path}: {exc}") from None
    return data, path
