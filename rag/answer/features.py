"""The explicit features the answer-or-refuse decision is learned from (rag/answer/decide.py).

What the question names and whether the sources hold it anywhere; whether the answer about to
be given holds it: its *window* (the quoted sentences, their neighbours in the paragraph, their
speakers, the document's title), its best sentence, its passage; what kind of answer the best
sentence holds; the reader's scores; retrieval's scores and margins; the ranker's. Shares are
IDF-weighted by the index's own document frequencies, so a word most passages hold counts for
little. Every feature is a number; NaN where it does not apply (no reader for this type).
"""

from __future__ import annotations

import math
import re

from ..text.links import acronym_letters, initials
from ..text.terms import STOPWORDS, stem, words
from .analysis import QuestionAnalysis
from .compose.parts import Composition
from .coverage import covered_terms, name_groups
from .rank import RANK_FEATURES, question_features
from .signals import SIGNALS, type_signals
from .view import SourcesView

NAN = float("nan")
WINDOW_WORDS = 120  # the window's words compared with a missing key term, at most
DECISION_FEATURES = (
    "terms",
    "names",
    "numbers",
    "question_words",
    "index_missing_names",
    "index_missing_terms",
    "index_missing_things",
    "index_missing_share",
    "window_share",
    "window_names_ok",
    "window_missing_names",
    "window_missing_terms",
    "window_missing_things",
    "window_rarest",
    "window_missing_similarity",
    "sentence_share",
    "passage_share",
    "passage_names_ok",
    *(f"best_{s}" for s in SIGNALS),
    "typed_short",
    "short_words",
    "reader_margin",
    "reader_relevance",
    "reader_answerable",
    "reader_sentence",
    "top_dense",
    "best_cos",
    "best_lexical",
    "best_evidence",
    "evidence_margin",
    "bm25_top",
    "rank_top",
    "rank_margin",
    "composed",
    "spans",
    *(f for f in RANK_FEATURES if f.startswith(("q_", "a_"))),
)


def missing_names(a: QuestionAnalysis, view: SourcesView) -> list[str]:
    """Names and numbers of the question that occur nowhere in the sources (by word, or as an abbreviation)."""
    missing = []
    for group in name_groups(a.key_terms):
        absent = [t.text for t in group if not view.mentions(t.text)]
        letters = acronym_letters(group[0].text) if len(group) == 1 else initials(" ".join(t.text for t in group))
        if absent and not (letters and letters in view.acronyms and len(letters) > 1):
            missing += absent
    for t in a.key_terms:
        ordinal = re.fullmatch(r"\d+(st|nd|rd|th)", t.text.lower())  # often spelled out in the sources
        if t.kind == "number" and any(ch.isdigit() for ch in t.text) and not ordinal and not view.mentions(t.text):
            missing.append(t.text)
    return missing


def window_text(composed: Composition, view: SourcesView) -> tuple[str, str]:
    """(document id, the text of the answer's window): its sentences in the first span's document, the
    first span's neighbours in its paragraph, the speakers of its statements, the document's title."""
    first = composed.spans[0]
    doc_id = view.doc_of(first.pid)
    parts = [view.text(doc_id, sp.start, sp.end) for sp in composed.spans if view.doc_of(sp.pid) == doc_id]
    parts += [view.text(doc_id, *side) for side in view.neighbours(doc_id, first.start, first.end) if side is not None]
    for sp in composed.spans:
        st = view.statement_at(doc_id, sp.start)
        if st is not None:
            parts.append(view.full_name(doc_id, st.speaker))
    return doc_id, " ".join(parts + [view.title(doc_id)])


def _question_part(a: QuestionAnalysis, view: SourcesView) -> list[float]:
    terms = a.key_terms
    absent = [t for t in terms if not view.mentions(t.text)]
    weights = [view.idf(stem(t.text)) for t in terms]
    share = sum(w for t, w in zip(terms, weights) if t in absent) / (sum(weights) or 1.0) if terms else 0.0
    return [
        float(len(terms)),
        float(sum(t.kind == "name" for t in terms)),
        float(sum(t.kind == "number" for t in terms)),
        float(len(words(a.text))),
        float(len(missing_names(a, view))),
        float(len(absent)),
        float(sum(t.is_thing for t in absent)),
        share,
    ]


def _missing_similarity(missing: list, window: str, view: SourcesView) -> float:
    """How close the nearest word of the window comes to the key term it lacks most (the lowest, over the
    missing terms, of each one's best cosine to a window word): a paraphrase ("died" for "killed") comes
    close, a thing the window does not speak of does not. 1.0 when nothing is missing."""
    if not missing:
        return 1.0
    pool = [w for w in dict.fromkeys(w.lower() for w in words(window)) if len(w) > 2 and w not in STOPWORDS][
        :WINDOW_WORDS
    ]
    if not pool:
        return 0.0
    vecs = view.word_vectors([t.text.lower() for t in missing] + pool)
    sims = vecs[: len(missing)] @ vecs[len(missing) :].T
    return float(sims.max(axis=1).min())


def _coverage_part(a: QuestionAnalysis, composed: Composition | None, best, view: SourcesView) -> list[float]:
    """Window, best sentence and best passage coverage of the key terms."""
    if not a.key_terms:
        return [1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    if composed is not None and composed.spans:
        doc_id, window = window_text(composed, view)
    elif best is not None:
        doc_id, window = best.doc_id, view.text(best.doc_id, best.start, best.end)
    else:
        return [
            0.0,
            0.0,
            float(len(a.names)),
            float(len(a.key_terms)),
            float(sum(t.is_thing for t in a.key_terms)),
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ]
    cov = view.coverage(a.key_terms, window, doc_id)
    found = covered_terms(a.key_terms, window, [view.links[doc_id]] if doc_id in view.links else [])
    rarest = max(range(len(a.key_terms)), key=lambda i: view.idf(stem(a.key_terms[i].text)))
    missing = [t for i, t in enumerate(a.key_terms) if i not in found]
    sentence = view.coverage(a.key_terms, view.text(best.doc_id, best.start, best.end), best.doc_id) if best else cov
    passage = view.coverage(a.key_terms, view.index.passages[best.pid].text, best.doc_id) if best else cov
    return [
        cov.share,
        float(cov.names),
        float(sum(t.kind in ("name", "number") for t in missing)),
        float(len(missing)),
        float(sum(t.is_thing for t in missing)),
        float(rarest in found),
        _missing_similarity(missing, window, view),
        sentence.share,
        passage.share,
        float(passage.names),
    ]


def decision_features(q, composed: Composition | None, view: SourcesView) -> list[float]:
    """The DECISION_FEATURES of question ``q`` (an Asked, its candidates ranked) and the composition for it."""
    a = q.analysis
    cands = q.candidates
    best = cands[0] if cands else None
    ev = {(e.pid, e.start): e for e in q.evidence}
    best_ev = ev.get((best.pid, best.start)) if best else None
    evidence_scores = sorted((e.score for e in q.evidence), reverse=True)
    qwords = {w.lower() for w in words(q.query)}
    best_text = view.text(best.doc_id, best.start, best.end) if best else ""
    readings = q.readings
    query_idf = sum(view.idf(stem(w)) for w in set(words(q.query.lower()))) or 1.0
    top = q.hits[0] if q.hits else None
    return [
        *_question_part(a, view),
        *_coverage_part(a, composed, best, view),
        *(type_signals(best_text, qwords) if best else (NAN,) * len(SIGNALS)),
        float(bool(composed and composed.typed)),
        float(len((composed.short or "").split())) if composed else 0.0,
        max(readings.passages.values(), default=NAN) if readings else NAN,
        max(readings.relevance.values(), default=NAN) if readings and readings.relevance else NAN,
        max(readings.answerable.values(), default=NAN) if readings and readings.answerable else NAN,
        best.reader if best and best.reader is not None else NAN,
        top.dense if top and not math.isnan(top.dense) else NAN,
        best_ev.dense if best_ev else NAN,
        best_ev.lexical if best_ev else NAN,
        best_ev.score if best_ev else NAN,
        (evidence_scores[0] - evidence_scores[1]) if len(evidence_scores) > 1 else NAN,
        (top.bm25 / query_idf) if top else 0.0,
        best.raw if best else NAN,
        (cands[0].raw - cands[1].raw) if len(cands) > 1 else NAN,
        float(composed is not None and bool(composed.spans)),
        float(len(composed.spans)) if composed else 0.0,
        *question_features(a.qtype, a.answer_type),
    ]
