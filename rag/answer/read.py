"""The read stage: the reader reads the top passages with the question.

Per passage it gives the best answer span minus its "no answer" score, and per sentence
the best span inside that sentence (document offsets) with its score minus "no answer".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..search.retrieval import Evidence


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
    relevance: dict[int, float] = field(default_factory=dict)  # per passage read: the relevance head's logit
    # per passage read: the answerable head's logit (trained with near-misses; docs/READER.md)
    answerable: dict[int, float] = field(default_factory=dict)
    # per sentence, like ``sentences``: its best spans, best first (the short answer's alternatives)
    phrases: dict[tuple[int, int], tuple[tuple[int, int], ...]] = field(default_factory=dict)

    @property
    def verdict(self) -> ReaderVerdict:
        return ReaderVerdict(max(self.passages.values(), default=float("-inf")), len(self.passages))

    def top(self, n: int) -> Readings:
        """The readings of the first ``n`` passages only (as if the reader had read no more)."""
        keep = dict(list(self.passages.items())[:n])
        return Readings(
            keep,
            {k: v for k, v in self.sentences.items() if k[0] in keep},
            {k: v for k, v in self.relevance.items() if k in keep},
            {k: v for k, v in self.answerable.items() if k in keep},
            {k: v for k, v in self.phrases.items() if k[0] in keep},
        )


def read_evidence(
    evidence: list[Evidence], index, reader, question: str, passages: int, phrases: int = 1
) -> Readings | None:
    """The reader's readings of the passages of the top ``passages`` evidence passages (None without a reader),
    with each sentence's ``phrases`` best spans."""
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
    readings = reader.read(question, texts, spans, phrases)
    by_sentence: dict[tuple[int, int], tuple[float, tuple[int, int]]] = {}
    alternatives: dict[tuple[int, int], tuple[tuple[int, int], ...]] = {}
    for pid, reading in zip(pids, readings):
        p = index.passages[pid]
        for (s, _), found in zip(p.sentences, reading.sentences):
            if found is not None:
                by_sentence[(pid, s)] = (found.score - reading.null, (p.start + found.start, p.start + found.end))
        for (s, _), found_all in zip(p.sentences, reading.phrases):
            alternatives[(pid, s)] = tuple((p.start + f.start, p.start + f.end) for f in found_all)
    return Readings(
        {pid: float(r.answerable) for pid, r in zip(pids, readings)},
        by_sentence,
        {pid: float(r.relevance) for pid, r in zip(pids, readings)},
        {pid: float(getattr(r, "answerable_logit", float("nan"))) for pid, r in zip(pids, readings)},
        alternatives,
    )
