"""Candidate sentences: the reader's readings mixed into the retrieval ranking."""

from types import SimpleNamespace

from rag.answer.rank import rank
from rag.answer.read import Readings
from rag.search.retrieval import Evidence


def _index():
    passages = {0: SimpleNamespace(doc_id="d"), 1: SimpleNamespace(doc_id="d")}
    return SimpleNamespace(passages=passages)


def test_rank_mixes_the_reader_score_with_its_weight():
    evidence = [Evidence(0, 0, 0, 10, 0.8, 0.8, 0.5), Evidence(1, 1, 20, 30, 0.7, 0.7, 0.4)]
    readings = Readings({0: -2.0, 1: 3.0}, {(0, 0): (-2.0, (0, 5)), (1, 20): (3.0, (22, 25))})
    assert [c.pid for c in rank(evidence, _index(), None, 0.1)] == [0, 1]  # no reader: retrieval order
    ranked = rank(evidence, _index(), readings, 0.1)
    assert [c.pid for c in ranked] == [1, 0] and ranked[0].span == (22, 25)
    assert ranked[0].score == 0.7 + 0.1 * 3.0
    assert [c.pid for c in rank(evidence, _index(), readings, 0.0)] == [0, 1]  # weight 0: the reader only refuses


def test_a_sentence_the_reader_did_not_read_gets_its_lowest_score():
    evidence = [Evidence(0, 0, 0, 10, 0.8, 0.8, 0.5), Evidence(1, 1, 20, 30, 0.9, 0.9, 0.4)]
    readings = Readings({0: 1.0}, {(0, 0): (1.0, (0, 5))})
    by_pid = {c.pid: c for c in rank(evidence, _index(), readings, 0.1)}
    assert by_pid[1].reader == 1.0 and by_pid[1].span is None


def test_readings_of_the_top_passages_only():
    readings = Readings({0: -1.0, 1: 2.0, 2: 0.5}, {(0, 0): (-1.0, (0, 1)), (1, 5): (2.0, (5, 6)), (2, 9): (0.5, (9, 10))})
    top = readings.top(1)
    assert list(top.passages) == [0] and list(top.sentences) == [(0, 0)]
    assert top.verdict.answerable == -1.0 and readings.verdict.answerable == 2.0 and readings.verdict.passages == 3
