"""The compose stage: one composer per question type picks which source sentences answer, in what
order, with what short answer.

A composer takes the question as the earlier stages left it (:class:`~rag.answer.asked.Asked`),
a read-only view of the sources and the scoring settings, and returns a :class:`Composition`
(the spans to quote and cite, a short answer, labels for list items) or None when the evidence
holds nothing of the kind asked for. Every quoted span is a run of source sentences.
"""

from __future__ import annotations

from collections.abc import Callable

from ...settings import ScoringConfig
from ..asked import Asked
from ..qtypes import QType
from ..view import SourcesView
from .definition import definition
from .factoid import factoid
from .listing import list_items, summary
from .parts import Composition
from .reasons import comparison, explanation, yes_no
from .speech import what_said, who_said

Composer = Callable[[Asked, SourcesView, ScoringConfig], "Composition | None"]

COMPOSERS: dict[QType, Composer] = {
    QType.FACTOID: factoid,
    QType.WHO_SAID: who_said,
    QType.WHAT_SAID: what_said,
    QType.DEFINITION: definition,
    QType.LIST: list_items,
    QType.SUMMARY: summary,
    QType.WHY: explanation,
    QType.HOW: explanation,
    QType.YES_NO: yes_no,
    QType.COMPARISON: comparison,
}


def compose(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """The composition of ``q``'s type (None for a request, which has no composer)."""
    composer = COMPOSERS.get(q.analysis.qtype)
    return composer(q, view, s) if composer is not None else None


__all__ = ["COMPOSERS", "Composer", "Composition", "compose"]
