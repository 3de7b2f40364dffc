"""The compose stage: one composer per question type picks which source sentences answer, in what
order, with what short answer.

A composer takes the question as the earlier stages left it (:class:`~rag.answer.asked.Asked`),
a read-only view of the sources and the scoring settings, and returns a :class:`Composition`
(the spans to quote and cite, a short answer, labels for list items) or None when the evidence
holds nothing of the kind asked for. Every quoted span is a run of source sentences.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from ...settings import ScoringConfig
from ..asked import Asked
from ..qtypes import QType
from ..types import Span
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
    """The composition of ``q``'s type (None for a request, which has no composer), each quoted sentence that
    refers back ("This is called bakers math.") with the sentence it refers to."""
    composer = COMPOSERS.get(q.analysis.qtype)
    composed = composer(q, view, s) if composer is not None else None
    return with_antecedents(composed, view) if composed is not None else None


# a sentence whose subject is a demonstrative pronoun says nothing alone: "This is called bakers math."
_REFERS_BACK = re.compile(
    r"\W*(?:This|These|That|Those)\s+(?:is|are|was|were|means|meant|makes|made|allows|gives|has|have|can|will|"
    r"would|should|may|must)\b"
)


def with_antecedents(composed: Composition, view: SourcesView) -> Composition:
    """``composed`` with each span that starts by referring back widened to the sentence before it, when that
    sentence is in the same paragraph and passage, is no heading, and is not quoted already."""
    spans = []
    for sp in composed.spans:
        doc_id = view.doc_of(sp.pid)
        before = (
            view.neighbours(doc_id, sp.start, sp.end)[0]
            if _REFERS_BACK.match(view.text(doc_id, sp.start, sp.end))
            else None
        )
        p = view.index.passages[sp.pid]
        if before is None or p.start > before[0] or view.is_heading(doc_id, *before):
            spans.append(sp)  # a heading ("1.1. Version") is not what "This is version 0.21 ..." speaks of
            continue
        if not any(o.pid == sp.pid and o.start <= before[0] < o.end for o in composed.spans):  # not quoted already
            sp = Span(sp.pid, before[0], sp.end, sp.score)
        spans.append(sp)
    return composed if spans == composed.spans else dataclasses.replace(composed, spans=spans)


__all__ = ["COMPOSERS", "Composer", "Composition", "compose"]
