"""Definitions: what an abbreviation stands for, or who someone is."""

from __future__ import annotations

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
        return factoid(q, view, s)
    doc_id, (start, end), short = found
    # a name the sources give no fuller form or apposition of: repeating it would answer nothing
    said = short.lower() != focus.lower()
    return Composition([view.span(doc_id, start, end, 1.0)], short if said else None)
