"""Who said something, and what someone said: the statements the build attributed to speakers."""

from __future__ import annotations

import numpy as np

from ...settings import ScoringConfig
from ...text.attribution import Statement, is_direct
from ...text.terms import terms
from ..asked import Asked
from ..types import Span
from ..view import SourcesView
from .factoid import factoid
from .parts import Composition


def who_said(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """The speaker (full name from the document's links) of the statement holding the best matching sentence."""
    for cand in q.candidates[:3]:
        st = view.statement_at(cand.doc_id, cand.start)
        if st is None:
            continue
        name = view.full_name(cand.doc_id, st.speaker)
        lo, hi = st.sentences[0][0], st.sentences[-1][1]
        if hi - lo > s.long_quote_chars:  # a long quotation: the sentence, and the one naming the speaker
            lo, hi = cand.start, cand.end
            named = view.naming_sentence(cand.doc_id, st)
            if named is not None:
                lo, hi = min(lo, named[0]), max(hi, named[1])
        return Composition(view.spans_between(cand.doc_id, lo, hi, cand.score), name)
    return factoid(q, view, s)


def what_said(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """What the speaker said: every statement, or the ones about the topic."""
    a = q.analysis
    spans = statement_spans(a.speaker or "", a.topic, q.qvec, view, s)
    if spans:
        return Composition(spans, bullets=len(spans) > 1)
    # nothing attributed to the speaker (on the topic): the evidence, and the decision weighs whether it answers
    return factoid(q, view, s)


def statement_spans(
    who: str, topic: str | None, qvec: np.ndarray, view: SourcesView, s: ScoringConfig, limit: int | None = None
) -> list[Span]:
    """Statements by ``who`` (all, or the ones about ``topic``) as citable spans, in document order."""
    found = view.statements_of(who)
    if not found:
        return []
    spans: list[Span]
    if topic:
        spans = _statements_about(found, topic, view, s)
        return spans[:limit] if limit else spans
    spans = []
    for doc_id, st in found[: limit or s.max_statements]:
        start, end = st.sentences[0]
        # a short opening ("It is riddled with assertion.") reads better with the next sentence
        if len(st.sentences) > 1 and len(view.text(doc_id, start, end).split()) < s.short_opening_words:
            end = st.sentences[1][1]
        row = view.index.passages.sentence_row(doc_id, start)
        score = float(view.sentence_vector(row) @ qvec) if row is not None else 0.0
        spans.append(view.span(doc_id, start, end, score))
    return spans


def _statements_about(
    found: list[tuple[str, Statement]], topic: str, view: SourcesView, s: ScoringConfig
) -> list[Span]:
    """The statements most about ``topic`` (every one scoring nearly as well as the best), best sentence
    of each. A reported statement ("Croft rejected the charge ...") brings the speaker's own words that
    follow it in the next paragraph, as news reports elaborate a summary with the quote.
    """
    tvec, t_terms = view.embed(topic), terms(topic)
    ranked = []
    for doc_id, st in found:
        scores = [
            topic_score(view, view.index.passages.sentence_row(doc_id, a), view.text(doc_id, a, b), tvec, t_terms, s)
            for a, b in st.sentences
        ]
        ranked.append((max(scores), doc_id, st, scores))
    ranked.sort(key=lambda r: -r[0])
    if ranked[0][0] < s.topic_min:
        return []  # nothing this speaker said is about the topic
    best_score, doc_id, st, _ = ranked[0]
    chosen = [ranked[0][1:]]
    for score, d, other, sc in ranked[1:]:
        if len(chosen) >= s.max_answer_sentences:
            break
        if score >= max(s.topic_min, s.topic_ratio * best_score):
            chosen.append((d, other, sc))
    text = view.index.documents[doc_id].text
    if not is_direct(text, st):
        # the quote that elaborates a reported statement, if it follows in the next paragraph
        following = sorted(
            (r for r in ranked if r[1] == doc_id and r[2].sentences[0][0] >= st.sentences[-1][1]),
            key=lambda r: r[2].sentences[0][0],
        )
        if (
            following
            and following[0][0] >= s.elaboration_ratio * best_score
            and is_direct(text, following[0][2])
            and text[st.sentences[-1][1] : following[0][2].sentences[0][0]].count("\n\n") <= 1
            and all(following[0][2] is not c[1] for c in chosen)
        ):
            chosen.append(following[0][1:])
    spans = [_best_span(view, d, other, sc, s) for d, other, sc in chosen]
    return sorted(spans, key=lambda u: (u.pid, u.start))


def _best_span(view: SourcesView, doc_id: str, st: Statement, scores: list[float], s: ScoringConfig) -> Span:
    """The best sentence of a statement, widened to a close-scoring neighbour, or the whole statement if short."""
    sents = st.sentences
    whole = sum(len(view.text(doc_id, a, b).split()) for a, b in sents)
    if len(sents) <= 2 and whole <= s.statement_words:
        return view.span(doc_id, sents[0][0], sents[-1][1], max(scores))
    i = int(np.argmax(scores))
    lo = hi = i
    for j in (i - 1, i + 1):
        if 0 <= j < len(sents) and scores[j] >= s.statement_neighbour_ratio * scores[i]:
            lo, hi = min(lo, j), max(hi, j)
            break
    return view.span(doc_id, sents[lo][0], sents[hi][1], scores[i])


def topic_score(
    view: SourcesView, row: int | None, text: str, tvec: np.ndarray, t_terms: list[str], s: ScoringConfig
) -> float:
    """How much a sentence is about a topic: a weighted sum of its cosine and IDF-weighted word overlap."""
    # about a topic is a question about the sentence alone (see Retriever.sentence_alone)
    alone = view.sentence_alone(row, text)
    sim = float(alone @ tvec) if alone is not None else 0.0
    return s.topic_cosine * sim + (1 - s.topic_cosine) * view.lexical_overlap(t_terms, text)


def best_statement(who: str, topic: str, view: SourcesView, s: ScoringConfig) -> list[Span]:
    """The statement of ``who`` most about ``topic`` (direct quotes first), as one span; [] if none."""
    found = view.statements_of(who)
    if not found:
        return []
    tvec, t_terms = view.embed(topic), terms(topic)
    best: tuple[tuple[bool, float], str, Statement, list[float]] | None = None
    for doc_id, st in found:
        scores = [
            topic_score(view, view.index.passages.sentence_row(doc_id, a), view.text(doc_id, a, b), tvec, t_terms, s)
            for a, b in st.sentences
        ]
        key = (is_direct(view.index.documents[doc_id].text, st), max(scores))
        if best is None or key > best[0]:
            best = (key, doc_id, st, scores)
    if best is None:  # not reached: ``found`` is not empty
        return []
    _, doc_id, st, scores = best
    return [_best_span(view, doc_id, st, scores, s)]
