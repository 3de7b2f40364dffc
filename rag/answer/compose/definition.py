"""Definitions: what an abbreviation stands for, or who someone is."""

from __future__ import annotations

import dataclasses
import re

from ...settings import ScoringConfig
from ..asked import Asked
from ..view import SourcesView
from .factoid import factoid
from .parts import Composition


def definition(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """The full mention with its apposition (or the long form of an abbreviation), cited; else the evidence."""
    focus = (q.analysis.focus or "").strip()
    found = view.introduction(focus, [c.doc_id for c in q.candidates], s.apposition_words) if focus else None
    if found is None:
        return factoid(_naming_first(q, focus, view), view, s)
    doc_id, (start, end), short = found
    # a name the sources give no fuller form or apposition of: repeating it would answer nothing
    said = short.lower() != focus.lower()
    return Composition([view.span(doc_id, start, end, 1.0)], short if said else None)


def _naming_first(q: Asked, focus: str, view: SourcesView) -> Asked:
    """``q`` with the candidates that define the focus ("X is ...", "X means ...") first, then those that name
    it as the question writes it, then the rest, each group in its order: "What is X?" is answered by a
    sentence about X, and the ranker may put one on the same subject first."""
    phrase = " ".join(w for w in focus.lower().split() if w not in ("a", "an", "the"))
    if not phrase:
        return q
    # "X is a/the ...", "X means ...": a copula before a passive ("X is maintained in git") defines nothing
    defines = re.compile(
        rf"\W*(?:(?:a|an|the)\s+)?\W*{re.escape(phrase)}\W*\s+"
        r"(?:(?:is|are|was|were)\s+(?:\w+ly\s+)?(?:a|an|the|one)\b|(?:shall\s+)?means?\b|refers\b)"
    )

    def order(c) -> int:
        text = " ".join(view.text(c.doc_id, c.start, c.end).lower().split())
        return 0 if defines.match(text) else 1 if phrase in text else 2

    ordered = sorted(q.candidates, key=order)
    return q if ordered == q.candidates else dataclasses.replace(q, candidates=ordered)
