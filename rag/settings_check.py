"""What a setting may hold: each field's allowed values and range, and the check (rag/settings.py uses it)."""

from __future__ import annotations

import dataclasses
import difflib
import typing

# "llama-index": a caller's own llama-index LLM object, given to Assistant(settings, llm=...)
ENGINES = ("extractive", "openai", "ollama", "llamacpp", "llama-index")
EMBED_BACKENDS = ("auto", "onnx-int8", "onnx", "torch")


class ConfigError(ValueError):
    """Settings that cannot be used; the message names the setting (and the file) and the problem."""


CHOICES = {
    "engine": ENGINES,
    "embed_backend": EMBED_BACKENDS,
    "fusion": ("convex", "rrf"),
    "sentence_vectors": ("contextual", "standalone"),
}
# (least, greatest) of numbers; None: unbounded on that side
RANGES = {
    "embed_batch_size": (1, None),
    "max_passage_words": (10, None),
    "dense_k": (1, None),
    "bm25_k": (1, None),
    "rrf_k": (1, None),
    "dense_weight": (0.0, None),
    "bm25_weight": (0.0, None),
    "max_question_chars": (10, None),
    "llm_context": (256, None),
    "llm_passages": (1, 20),
    "llm_max_tokens": (1, None),
    "llm_temperature": (0.0, 2.0),
    "llm_timeout": (0.1, None),
    "support_min": (0.0, 1.0),
    "max_request_bytes": (1024, None),
    "api_keepalive": (0.01, None),
}
SCORING_RANGES = {
    "evidence_passages": (1, 50),
    "reader_passages": (1, 20),
    "answer_min": (0.0, 1.0),
    "answer_min_unread": (0.0, 1.0),
    "min_quote_words": (1, 50),
    "type_candidates": (1, 20),
    "topic_ratio": (0.0, 1.0),
    "search_passages": (1, 200),
    "evidence_cosine": (0.0, None),
    "evidence_lexical": (0.0, None),
    "evidence_passage": (0.0, None),
    "short_answer_words": (1, 100),
    "short_answer_share": (0.0, 1.0),
    "short_answer_phrases": (1, 50),
    "topic_cosine": (0.0, 1.0),
    "statement_words": (1, None),
    "statement_neighbour_ratio": (0.0, 1.0),
    "short_opening_words": (0, None),
    "long_quote_chars": (1, None),
    "elaboration_ratio": (0.0, 1.0),
    "apposition_words": (1, None),
    "support_cosine": (0.0, 1.0),
    "summary_min_words": (1, None),
    "type_ratio": (0.0, 1.0),
    "neighbour_ratio": (0.0, 1.0),
    "max_answer_sentences": (1, 10),
    "second_sentence_ratio": (0.0, 1.0),
    "second_sentence_gain": (0.0, 1.0),
    "max_statements": (1, 50),
    "topic_min": (-1.0, 1.0),
    "list_passages": (1, None),
    "list_max_items": (1, 100),
    "written_list_max_items": (1, 100),
    "summary_sentences": (1, 20),
    "summary_min_ratio": (0.0, 1.0),
    "summary_max_similarity": (0.0, 1.0),
    "mmr_lambda": (0.0, 1.0),
}


def allowed_types(hint) -> tuple[type, ...]:
    args = typing.get_args(hint)
    types = args if args else (hint,)
    return tuple(t for t in types if isinstance(t, type))


def validate(obj, ranges: dict, choices: dict) -> None:
    """Raise ConfigError for a value of the wrong type, not among the allowed ones, or out of range."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if (
            typing.get_origin(hints[f.name]) is tuple
        ):  # a list of words: from TOML a list, from the environment a string
            validate_words(obj, f.name, value)
            continue
        allowed = allowed_types(hints[f.name])
        ok = isinstance(value, allowed) and not (isinstance(value, bool) and bool not in allowed)
        if not ok and float in allowed and isinstance(value, int) and not isinstance(value, bool):
            object.__setattr__(obj, f.name, float(value))  # 5 for 5.0
            value, ok = float(value), True
        if not ok:
            names = " or ".join("null" if t is type(None) else t.__name__ for t in allowed)
            raise ConfigError(f"setting {f.name} must be {names}, not {value!r}")
        if f.name in choices and value is not None and value not in choices[f.name]:
            raise ConfigError(f"setting {f.name} must be one of {', '.join(choices[f.name])}, not {value!r}")
        low, high = ranges.get(f.name, (None, None))
        if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
            bounds = (
                f"at least {low}" if high is None else f"at most {high}" if low is None else f"between {low} and {high}"
            )
            raise ConfigError(f"setting {f.name} must be {bounds}, not {value!r}")


def validate_words(obj, name: str, value) -> None:
    """A tuple-of-strings setting: a tuple or list of strings (a list becomes a tuple)."""
    if not isinstance(value, (tuple, list)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"setting {name} must be a list of words, not {value!r}")
    object.__setattr__(obj, name, tuple(value))


def nearest(name: str, valid) -> str:
    close = difflib.get_close_matches(name, list(valid), n=1)
    return f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
