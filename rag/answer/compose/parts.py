"""What composers return, and the entity helpers several of them share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...settings import ScoringConfig
from ...text import nlp
from ...text.terms import PATH_IN_TEXT
from ..asked import Asked
from ..types import Span
from ..view import SourcesView


@dataclass
class Composition:
    """Spans to quote (each cited), in answer order; ``labels`` name list items or comparison sides."""

    spans: list[Span]
    short: str | None = None
    bullets: bool = False
    labels: list[str] = field(default_factory=list)
    typed: bool = False  # the short answer is an entity of the kind the question expects


_ISO_DATE = re.compile(r"(?<![\d-])\d{4}-[01]\d-[0-3]\d(?![\d-])")


def typed_entities(text: str, offset: int, labels: set[str], exclude: set[str]) -> list[nlp.Entity]:
    """Entities of ``labels`` in ``text`` (shifted to document offsets; the label PATH: paths and addresses),
    not named in the question; a person or organisation must look like a name (capitalised words). An entity
    across a line break is one per line: the entity model runs a title page's lines together ("Pekka
    Nikander\nAalto University")."""
    out = []
    found = [_to_bracket(part) for whole in nlp.entities(text) for part in _per_line(whole)]
    if "PATH" in labels:
        found += [nlp.Entity(m.start(), m.end(), "PATH", m.group()) for m in PATH_IN_TEXT.finditer(text)]
    if "DATE" in labels:  # a date written as ISO 8601, which the entity model may call a number
        dates = [(e.start, e.end) for e in found if e.label == "DATE"]
        found += [
            nlp.Entity(m.start(), m.end(), "DATE", m.group())
            for m in _ISO_DATE.finditer(text)
            if not any(a <= m.start() < b for a, b in dates)
        ]
    for e in found:
        if e.label not in labels or e.text.lower() in exclude or any(w in exclude for w in e.text.lower().split()):
            continue
        if e.label in ("PERSON", "ORG") and not all(
            w[:1].isupper() or not w[:1].isalpha() or len(w) <= 3 for w in e.text.split()
        ):
            continue
        out.append(nlp.Entity(e.start + offset, e.end + offset, e.label, e.text))
    return out


def _to_bracket(e: nlp.Entity) -> nlp.Entity:
    """``e`` up to a bracket it opens and does not close: the entity model runs a name into the address or the
    aside after it ("Lasse Collin <lasse.collin@tukaani.org")."""
    cut = min((e.text.find(b) for b, c in ("<>", "()", "[]") if b in e.text and c not in e.text), default=-1)
    text = e.text[:cut].rstrip() if cut > 0 else e.text
    return nlp.Entity(e.start, e.start + len(text), e.label, text) if text != e.text else e


def _per_line(e: nlp.Entity) -> list[nlp.Entity]:
    """``e`` cut at its line breaks, one entity of its label per non-empty line."""
    if "\n" not in e.text:
        return [e]
    out, at = [], e.start
    for line in e.text.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            out.append(nlp.Entity(at + lead, at + lead + len(line.strip()), e.label, line.strip()))
        at += len(line) + 1
    return out


def closest(ents: list[nlp.Entity], span: tuple[int, int] | None) -> nlp.Entity:
    """The entity overlapping the reader's span, else the nearest to it, else the first."""
    if span is None:
        return ents[0]
    return min(
        ents,
        key=lambda e: (
            0 if e.start < span[1] and span[0] < e.end else min(abs(e.start - span[1]), abs(span[0] - e.end)) + 1
        ),
    )


def prose(text: str, s: ScoringConfig) -> bool:
    """Whether a sentence reads as prose: long enough, and ending as a statement does (a title page's lines, a
    table row or a command's synopsis run together have no final stop; a question, an FAQ's entry, says nothing)."""
    return len(text.split()) >= s.summary_min_words and text.rstrip('"”’)]* ')[-1:] in (".", "!", ":")


def top_documents(q: Asked, view: SourcesView, n: int = 3) -> list[str]:
    """The documents of the top hits, best first, at most ``n``."""
    return list(dict.fromkeys(view.doc_of(h.pid) for h in q.hits[:n]))


def name_words(source: str) -> str:
    """The words of a file's name ("shared-mime-info-spec.pdf" -> "shared mime info spec")."""
    return " ".join(w for w in re.split(r"[\W_]+", Path(source).stem) if w)
