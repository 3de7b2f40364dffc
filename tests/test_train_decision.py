"""rag/train/decision.py: how the answer-or-refuse thresholds are chosen."""

from __future__ import annotations

import numpy as np
import pytest

from rag.train.decision import DecisionConfig, _out_of_fold_thresholds, choose_threshold
from rag.train.other_kinds import SPLIT as OTHER_KINDS


def _rows(qtype: str, scores: list[float], label: int = 1) -> tuple[list[float], list[dict]]:
    return scores, [{"qtype": qtype, "label": label} for _ in scores]


def test_every_type_with_enough_questions_keeps_to_the_share() -> None:
    easy, easy_rows = _rows("yes_no", list(np.linspace(0.6, 1.0, 200)))
    hard, hard_rows = _rows("comparison", list(np.linspace(0.1, 0.9, 40)))
    few, few_rows = _rows("summary", [0.01, 0.02, 0.03])  # too few for a 5% point of their own
    negatives, neg_rows = _rows("comparison", [0.05, 0.5], label=0)  # unanswerable rows choose nothing
    scores = np.array(easy + hard + few + negatives)
    rows = easy_rows + hard_rows + few_rows + neg_rows
    t = choose_threshold(scores, rows, 0.05, min_type_rows=30)
    for qtype, s in (("yes_no", easy), ("comparison", hard)):
        assert np.mean(np.array(s) < t) <= 0.05, qtype
    assert t == pytest.approx(hard[2])  # the hard type sets it: 2 of its 40 (5%) refused
    pooled = choose_threshold(scores, rows, 0.05, min_type_rows=1000)  # no type has enough: all answerable pooled
    answerable = np.sort(easy + hard + few)
    assert pooled == pytest.approx(answerable[int(0.05 * len(answerable))])
    assert choose_threshold(np.array(negatives), neg_rows, 0.05, 30) == 0.5  # nothing answerable: no evidence either way


def _split_rows(split: str, scores: list[float]) -> list[dict]:
    # a factoid the reader read (a reader_answerable score marks a read row: rag/answer/features.py, was_read)
    return [{"qtype": "factoid", "label": 1, "split": split, "features": _read_features()} for _ in scores]


def _read_features() -> list[float]:
    from rag.answer.features import DECISION_FEATURES

    return [0.5 if name == "reader_answerable" else 0.0 for name in DECISION_FEATURES]


def test_other_kinds_choose_their_own_threshold_when_trained_on() -> None:
    squad = list(np.linspace(0.3, 1.0, 400))  # SQuAD's answerable rows score high...
    other = list(np.linspace(0.05, 0.9, 60))  # ...documents of other kinds' lower
    rows = _split_rows("train", squad) + _split_rows(OTHER_KINDS, other)
    oof = np.array(squad + other)
    cfg = DecisionConfig(min_type_questions=30)
    on_squad, on_other = _out_of_fold_thresholds(oof, rows, cfg)
    assert on_squad["read"] == pytest.approx(squad[20])  # pooled, the 60 would hardly move SQuAD's 5% point
    assert on_other is not None and on_other["read"] == pytest.approx(other[3])
    assert np.mean(np.array(other) < on_other["read"]) <= 0.05
    only_squad, none = _out_of_fold_thresholds(np.array(squad), _split_rows("train", squad), cfg)
    assert none is None and only_squad == on_squad
