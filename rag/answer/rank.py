"""The rank stage: which sentence of the top passages answers best.

A candidate is a sentence of one of the top passages. Its score mixes the retrieval
evidence score (cosine, word overlap, passage rank: rag/search/retrieval.py) with the reader's
score for the best answer inside the sentence, relative to the passage's "no answer"
score.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..search.retrieval import Evidence
from .read import Readings


@dataclass(frozen=True)
class Candidate:
    """A scored sentence: where it is, its scores, and the reader's answer span in it (document offsets)."""

    pid: int
    doc_id: str
    row: int
    start: int
    end: int
    score: float
    retrieval: float
    reader: float | None = None  # best span in the sentence minus the passage's "no answer" score
    span: tuple[int, int] | None = None


def rank(evidence: list[Evidence], index, readings: Readings | None, reader_weight: float) -> list[Candidate]:
    """Candidates from ``evidence``, best first: the retrieval score plus ``reader_weight`` times the reader's
    (sentences the reader did not read get its lowest score)."""
    if readings is None:
        return [Candidate(ev.pid, index.passages[ev.pid].doc_id, ev.row, ev.start, ev.end, ev.score, ev.score)
                for ev in evidence]
    floor = min((v[0] for v in readings.sentences.values()), default=0.0)
    out = []
    for ev in evidence:
        r, span = readings.sentences.get((ev.pid, ev.start), (floor, None))
        out.append(Candidate(ev.pid, index.passages[ev.pid].doc_id, ev.row, ev.start, ev.end,
                             ev.score + reader_weight * r, ev.score, r, span))
    out.sort(key=lambda c: -c.score)
    return out
