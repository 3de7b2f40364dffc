"""The decide stage: answer with the composition, or refuse.

A question is refused when it names something the sources never mention, when (for the
types the reader judges) no passage read is answerable enough, or when the composed answer
does not hold enough of the question's key terms.
"""

from __future__ import annotations

import re

from ..settings import ScoringConfig
from .analysis import QuestionAnalysis
from .asked import Asked
from .compose import Composition
from .coverage import name_groups
from .qtypes import QType
from .view import SourcesView
from ..text.links import acronym_letters, initials

# question types the reader's "no answer" may refuse, and whose evidence must cover the key terms
READER_GATED = (QType.FACTOID, QType.WHY, QType.HOW)
COVERAGE_GATED = (QType.FACTOID, QType.WHY, QType.HOW, QType.WHO_SAID)


def missing_names(a: QuestionAnalysis, view: SourcesView) -> list[str]:
    """Names and numbers of the question that occur nowhere in the sources (by word, or as an abbreviation)."""
    missing = []
    for group in name_groups(a.key_terms):
        absent = [t.text for t in group if not view.vocabulary.contains(t.text)]
        letters = acronym_letters(group[0].text) if len(group) == 1 else initials(" ".join(t.text for t in group))
        if absent and not (letters and letters in view.acronyms and len(letters) > 1):
            missing += absent
    for t in a.key_terms:
        ordinal = re.fullmatch(r"\d+(st|nd|rd|th)", t.text.lower())  # often spelled out in the sources
        if t.kind == "number" and any(ch.isdigit() for ch in t.text) and not ordinal and not view.vocabulary.contains(t.text):
            missing.append(t.text)
    return missing


def gated(q: Asked, s: ScoringConfig) -> bool:
    """Whether the question is refused before any composing: for the types the reader judges, no
    passage read is answerable enough (without a reader: the best evidence is too weak)."""
    if q.analysis.qtype not in READER_GATED:
        return False
    verdict = q.verdict
    return verdict.answerable < s.reader_min if verdict is not None else q.evidence[0].score < s.min_evidence


def covers(q: Asked, composed: Composition, view: SourcesView, s: ScoringConfig) -> bool:
    """Whether the answer's sentences (with their neighbours and speakers) hold the question's key terms."""
    a = q.analysis
    if a.qtype not in COVERAGE_GATED + (QType.YES_NO,):
        return True
    first = composed.spans[0]
    doc_id = view.doc_of(first.pid)
    parts = [view.text(doc_id, sp.start, sp.end) for sp in composed.spans if view.doc_of(sp.pid) == doc_id]
    parts += [view.text(doc_id, *side) for side in view.neighbours(doc_id, first.start, first.end) if side is not None]
    for sp in composed.spans:
        st = view.statement_at(doc_id, sp.start)
        if st is not None:
            parts.append(view.full_name(doc_id, st.speaker))
    title = view.title(doc_id)  # what a whole document is about
    window = view.coverage(a.key_terms, " ".join(parts + [title]), doc_id)
    if a.qtype == QType.YES_NO:
        # "Yes" needs every name and number in the cited passage (news names someone once, then says "he")
        passages = " ".join([view.index.passages[sp.pid].text for sp in composed.spans] + parts + [title])
        return window.names or view.coverage(a.key_terms, passages, doc_id).names
    # names and numbers count in the IDF-weighted share like other key terms: a question names many
    # things the answer sentence needn't repeat (docs/TUNING.md, "How the reader's scores are used")
    return window.share >= s.coverage_min
