"""Candidate sentences: the evidence sentences ranked (by the ranker when there is one), with the reader's spans."""

import math
from types import SimpleNamespace

import numpy as np

from rag.answer.analysis import QuestionAnalysis
from rag.answer.asked import Asked
from rag.answer.qtypes import QType
from rag.answer.rank import RANK_FEATURES, rank
from rag.answer.read import Readings
from rag.search.retrieval import Evidence, Hit

TEXT = "Rain fell on Oban all day. Ewan stayed inside. The sun came out at noon. Note."
SENTENCES = [(TEXT.index(s), TEXT.index(s) + len(s))
             for s in ("Rain fell on Oban all day.", "Ewan stayed inside.", "The sun came out at noon.", "Note.")]


class _View:
    """The part of a SourcesView that ranking reads: one document "d" in two passages of two sentences."""

    def __init__(self, headings=()):
        passages = {0: SimpleNamespace(doc_id="d", sentences=SENTENCES[:2]),
                    1: SimpleNamespace(doc_id="d", sentences=SENTENCES[2:])}
        self.index = SimpleNamespace(passages=passages)
        self.headings = set(headings)  # starts of the sentences that are headings

    def is_heading(self, doc_id, start, end):
        return start in self.headings

    def text(self, doc_id, start, end):
        assert doc_id == "d"
        return TEXT[start:end]

    def doc_of(self, pid):
        return self.index.passages[pid].doc_id


class _Ranker:
    """A ranker that gives fixed scores, one per evidence sentence, and keeps the features it was given."""

    def __init__(self, scores):
        self.scores, self.seen = scores, None

    def score(self, features):
        self.seen = features
        return np.asarray(self.scores, dtype=np.float32)


def _asked(scores, readings=None):
    """A question whose evidence is the four sentences, in order, with these evidence scores."""
    pid = [0, 0, 1, 1]
    evidence = [Evidence(pid[i], i, s, e, score, score, 0.5)
                for i, ((s, e), score) in enumerate(zip(SENTENCES, scores))]
    hits = [Hit(0, 0.9, 0.8, 3.0), Hit(1, 0.7, 0.6, 2.0)]
    q = "When did the sun come out?"
    analysis = QuestionAnalysis(q, QType.FACTOID, "DATE")
    return Asked(q, q, analysis, np.zeros(4, dtype=np.float32), hits, evidence, readings)


def test_without_a_ranker_the_evidence_score_orders_and_with_one_the_rankers_score():
    q = _asked([0.6, 0.8, 0.7, 0.1])
    plain = rank(q, _View())
    assert [c.row for c in plain] == [1, 2, 0, 3]  # by evidence score
    assert all(c.retrieval == q.evidence[c.row].score for c in plain)
    assert all(c.score == c.raw and math.isclose(c.raw, c.retrieval, rel_tol=1e-6) for c in plain)  # float32
    ranker = _Ranker([0.0, -1.0, 2.0, 0.5])
    ranked = rank(q, _View(), ranker)
    assert ranker.seen.shape == (4, len(RANK_FEATURES))  # one row of features per evidence sentence
    assert list(ranker.seen[:, RANK_FEATURES.index("evidence")]) == [np.float32(s) for s in (0.6, 0.8, 0.7, 0.1)]
    assert [c.row for c in ranked] == [2, 3, 0, 1]  # by the ranker's score, not the evidence's
    assert [c.raw for c in ranked] == [2.0, 0.5, 0.0, -1.0]
    assert ranked[0].score == 1.0 and math.isclose(ranked[1].score, math.exp(0.5 - 2.0), rel_tol=1e-6)
    assert [c.retrieval for c in ranked] == [0.7, 0.1, 0.6, 0.8]  # the evidence score is kept alongside


def test_a_candidate_carries_the_readers_span_only_where_it_read_and_short_sentences_are_dropped():
    sun_start, sun_end = SENTENCES[2]
    noon = (TEXT.index("noon"), TEXT.index("noon") + 4)
    readings = Readings({1: 2.5}, {(1, sun_start): (2.5, noon)})  # the reader read passage 1 only
    q = _asked([0.6, 0.8, 0.7, 0.1], readings)
    by_row = {c.row: c for c in rank(q, _View())}
    assert (by_row[2].reader, by_row[2].span, by_row[2].start, by_row[2].end) == (2.5, noon, sun_start, sun_end)
    assert all(by_row[r].reader is None and by_row[r].span is None for r in (0, 1, 3))  # not read, or no span in it
    ranker = _Ranker([0.0, -1.0, 2.0, 0.5])
    rows = rank(q, _View(), ranker)
    reader_column = ranker.seen[:, RANK_FEATURES.index("reader")]
    assert reader_column[2] == 2.5 and np.isnan(reader_column[[0, 1, 3]]).all()  # the ranker sees the reader's score
    assert [c.row for c in rows] == [2, 3, 0, 1]
    assert [c.row for c in rank(q, _View(), ranker, min_words=2)] == [2, 0, 1]  # "Note." (one word) is no candidate
    assert [c.row for c in rank(q, _View(), min_words=5)] == [2, 0]  # fewer than five words: dropped
    # a heading is a title, not a claim: never a candidate, however long
    assert [c.row for c in rank(q, _View(headings=[SENTENCES[2][0]]), ranker)] == [3, 0, 1]


def test_readings_of_the_top_passages_only():
    readings = Readings({0: -1.0, 1: 2.0, 2: 0.5}, {(0, 0): (-1.0, (0, 1)), (1, 5): (2.0, (5, 6)), (2, 9): (0.5, (9, 10))})
    top = readings.top(1)
    assert list(top.passages) == [0] and list(top.sentences) == [(0, 0)]
    assert top.verdict.answerable == -1.0 and readings.verdict.answerable == 2.0 and readings.verdict.passages == 3
