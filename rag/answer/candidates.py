"""Candidate answer sentences for one question, scored by retrieval and by the reader.

A candidate is a sentence of one of the top passages. Its score mixes the retrieval
evidence score (cosine, word overlap, passage rank: rag/search/retrieval.py) with the reader's
score for the best answer inside the sentence, relative to the passage's "no answer"
score. Composers look at a candidate's *window*: the sentence with its neighbours in the
same paragraph, which often complete it (the attribution after a quote, the date in the
next sentence).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..search.retrieval import Evidence


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


@dataclass(frozen=True)
class ReaderVerdict:
    """The reader's view of the question over the passages it read."""

    answerable: float  # best span minus "no answer", over the passages read
    passages: int


@dataclass(frozen=True)
class Readings:
    """What the reader found: per passage read (in rank order) its best span minus "no answer", and per
    sentence its score and answer span, keyed by (pid, sentence start)."""

    passages: dict[int, float]
    sentences: dict[tuple[int, int], tuple[float, tuple[int, int]]]

    @property
    def verdict(self) -> ReaderVerdict:
        return ReaderVerdict(max(self.passages.values(), default=float("-inf")), len(self.passages))

    def top(self, n: int) -> "Readings":
        """The readings of the first ``n`` passages only (as if the reader had read no more)."""
        keep = dict(list(self.passages.items())[:n])
        return Readings(keep, {k: v for k, v in self.sentences.items() if k[0] in keep})


def read_evidence(evidence: list[Evidence], index, reader, question: str, passages: int) -> Readings | None:
    """The reader's readings of the passages of the top ``passages`` evidence passages (None without a reader)."""
    if reader is None or not evidence:
        return None
    pids: list[int] = []
    for ev in evidence:
        if ev.pid not in pids:
            pids.append(ev.pid)
    pids = pids[:passages]
    texts, spans = [], []
    for pid in pids:
        p = index.passages[pid]
        texts.append(p.text)
        spans.append([(s - p.start, e - p.start) for s, e in p.sentences])
    readings = reader.read(question, texts, spans)
    by_sentence: dict[tuple[int, int], tuple[float, tuple[int, int]]] = {}
    for pid, reading in zip(pids, readings):
        p = index.passages[pid]
        for (s, _), found in zip(p.sentences, reading.sentences):
            if found is not None:
                by_sentence[(pid, s)] = (found.score - reading.null, (p.start + found.start, p.start + found.end))
    return Readings({pid: float(r.answerable) for pid, r in zip(pids, readings)}, by_sentence)


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


def neighbours(index, cand: Candidate) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The sentences just before and after ``cand`` in its paragraph (document offsets), if any."""
    doc = index.documents[cand.doc_id].text
    sentences = index.passages.document_sentences(cand.doc_id)
    starts = [s for s, _ in sentences]
    i = int(np.searchsorted(starts, cand.start))
    before = sentences[i - 1] if i > 0 and "\n\n" not in doc[sentences[i - 1][1] : cand.start] else None
    after = sentences[i + 1] if i + 1 < len(sentences) and "\n\n" not in doc[cand.end : sentences[i + 1][0]] else None
    return before, after
