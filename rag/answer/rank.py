"""The rank stage: which sentence of the top passages answers best.

A candidate is a sentence of one of the top passages. The learned ranker (LightGBM lambdarank,
rag/answer/models.py) scores each from explicit features: its cosine to the question and the
share of the question's words it holds, its passage's rank and scores, the reader's span and
relevance scores, what kind of answer it holds (rag/answer/signals.py), where it stands in its
passage, and what its neighbours hold. A candidate's ``score`` is its likelihood relative to the
best one (exp of the ranker score's difference: 1 for the best, in (0, 1] for the rest), so the
composers' ratios mean the same whatever the ranker's scale. Without a ranker the retrieval
evidence score orders them (rag/search/retrieval.py).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ..text.terms import words
from .qtypes import QType
from .read import Readings
from .signals import SIGNALS, type_signals

ANSWER_TYPES = ("PERSON", "AGENT", "ORG", "PLACE", "DATE", "NUMBER")
QTYPE_FEATURES = tuple(f"q_{t.value}" for t in QType if t != QType.REQUEST)
ATYPE_FEATURES = tuple(f"a_{t.lower()}" for t in ANSWER_TYPES)
RANK_FEATURES = (
    "cos",
    "lexical",
    "evidence",
    "passage_rank",
    "passage_ratio",
    "passage_dense",
    "passage_bm25",
    "reader",
    "reader_passage",
    "relevance",
    "answerable",
    "position",
    "first",
    "words",
    "neighbour_lexical",
    *SIGNALS,
    *QTYPE_FEATURES,
    *ATYPE_FEATURES,
)
NAN = float("nan")


@dataclass(frozen=True)
class Candidate:
    """A scored sentence: where it is, its scores, and the reader's answer span in it (document offsets)."""

    pid: int
    doc_id: str
    row: int
    start: int
    end: int
    score: float  # relative likelihood of answering (1 for the best)
    retrieval: float  # the retrieval evidence score
    reader: float | None = None  # best span in the sentence minus the passage's "no answer" score
    span: tuple[int, int] | None = None
    raw: float = 0.0  # the ranker's own score (the evidence score without a ranker)
    # the reader's best spans in the sentence, best first (``span`` is the first): the short answer's alternatives
    phrases: tuple[tuple[int, int], ...] = ()


def question_features(qtype: str, answer_type: str | None) -> list[float]:
    """One-hot question type and expected answer type."""
    return [float(qtype == f[2:]) for f in QTYPE_FEATURES] + [
        float((answer_type or "").lower() == f[2:]) for f in ATYPE_FEATURES
    ]


def candidate_features(q, view) -> np.ndarray:
    """One row of RANK_FEATURES per evidence sentence of ``q`` (an Asked), in evidence order."""
    hits = {h.pid: (i, h) for i, h in enumerate(q.hits)}
    best_hit = (q.hits[0].score or 1.0) if q.hits else 1.0
    best_bm25 = max((h.bm25 for h in q.hits), default=0.0) or 1.0
    readings: Readings | None = q.readings
    qwords = {w.lower() for w in words(q.query)}
    lexical = {(ev.pid, ev.start): ev.lexical for ev in q.evidence}
    qpart = question_features(q.analysis.qtype, q.analysis.answer_type)
    rows = []
    for ev in q.evidence:
        rank, hit = hits.get(ev.pid, (len(q.hits), None))
        sentences = view.index.passages[ev.pid].sentences
        i = next((k for k, (s, _) in enumerate(sentences) if s == ev.start), 0)
        around = [lexical.get((ev.pid, sentences[k][0]), 0.0) for k in (i - 1, i + 1) if 0 <= k < len(sentences)]
        text = view.text(view.doc_of(ev.pid), ev.start, ev.end)
        read = readings.sentences.get((ev.pid, ev.start)) if readings else None
        rows.append(
            [
                ev.dense,
                ev.lexical,
                ev.score,
                float(rank),
                (hit.score / best_hit) if hit else 0.0,
                hit.dense if hit and not math.isnan(hit.dense) else NAN,
                (hit.bm25 / best_bm25) if hit else 0.0,
                read[0] if read else NAN,
                readings.passages.get(ev.pid, NAN) if readings else NAN,
                readings.relevance.get(ev.pid, NAN) if readings else NAN,
                readings.answerable.get(ev.pid, NAN) if readings else NAN,
                float(i),
                float(i == 0),
                float(len(text.split())),
                max(around, default=0.0),
                *type_signals(text, qwords),
                *qpart,
            ]
        )
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), len(RANK_FEATURES))


def rank(q, view, ranker=None, min_words: int = 1) -> list[Candidate]:
    """Candidates from ``q``'s evidence, best first, by the ranker's score (the evidence score without one).
    Sentences of fewer than ``min_words`` words (a label), a document's headings and its own questions (an FAQ's
    entries: "Where does the name come from?" answers nothing) are never candidates."""
    readings: Readings | None = q.readings
    if ranker is not None and q.evidence:
        raw = ranker.score(candidate_features(q, view))
    else:
        raw = np.array([ev.score for ev in q.evidence], dtype=np.float32)
    out = []
    for ev, r in zip(q.evidence, raw):
        doc_id = view.doc_of(ev.pid)
        text = view.text(doc_id, ev.start, ev.end)
        if len(text.split()) < min_words or text.endswith("?") or view.is_heading(doc_id, ev.start, ev.end):
            continue
        read = readings.sentences.get((ev.pid, ev.start)) if readings else None
        out.append(
            Candidate(
                ev.pid,
                doc_id,
                ev.row,
                ev.start,
                ev.end,
                float(r),
                ev.score,
                read[0] if read else None,
                read[1] if read else None,
                float(r),
                readings.phrases.get((ev.pid, ev.start), ()) if readings else (),
            )
        )
    out.sort(key=lambda c: -c.raw)
    if ranker is not None and out:
        top = out[0].raw
        out = [dataclasses.replace(c, score=math.exp(c.raw - top)) for c in out]
    return out
