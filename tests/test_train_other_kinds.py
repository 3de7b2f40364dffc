"""rag/train/other_kinds.py and its data: the rounds' questions as decision rows, weighted beside SQuAD's."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rag.answer.features import DECISION_FEATURES
from rag.answer.models import BUNDLED, load_folder
from rag.answer.rank import RANK_FEATURES
from rag.settings import Settings
from rag.train.decision import DecisionConfig, _weights, held_out, usable_rows
from rag.train.other_kinds import ROUNDS_DIR, Round, asked_with_history, kind, load_rounds, round_engine, round_rows

FIELDS = {"id", "doc", "type", "question", "answerable", "expected", "evidence", "history"}


def test_every_round_question_names_a_document_of_its_round_and_sources_lists_it() -> None:
    rounds = load_rounds()
    assert len(rounds) >= 9
    sources = (ROUNDS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for rnd in rounds:
        names = {p.name for p in rnd.docs.iterdir()}
        assert len(rnd.questions) >= 20, rnd.name
        for item in rnd.questions:
            assert FIELDS <= set(item), (rnd.name, item["id"])
            assert item["doc"] in names | {""}, (rnd.name, item["id"])
            assert item["answerable"] or not item["evidence"], (rnd.name, item["id"])
        for name in names:
            assert re.search(rf"\|\s*{rnd.name}\s*\|\s*`?{re.escape(name)}`?\s*\|", sources), (rnd.name, name)


def test_a_row_is_weighted_by_its_kind_of_document_and_trained_on() -> None:
    read = [0.5] * len(DECISION_FEATURES)  # was_read: the reader's margin is a number
    rows = [
        {"split": "train", "features": read, "composed": True, "label": 1},
        {"split": "other", "features": read, "composed": True, "label": 0},
        {"split": "tune", "features": read, "composed": True, "label": 1},
        {"split": "other", "features": None, "label": 0},  # refused before composing: no row
    ]
    train, tune = usable_rows(rows)
    assert [r["split"] for r in train] == ["train", "other"] and tune == [rows[2]]
    assert _weights(train, DecisionConfig(other_kinds_weight=7.0)).tolist() == [1.0, 7.0]


def test_other_kinds_not_trained_on_are_scored_by_the_decision_itself() -> None:
    from rag.train.decision import _other_kinds

    read = [0.5] * len(DECISION_FEATURES)
    other = [
        {"split": "other", "features": read, "label": y, "kind": k, "qtype": "factoid"}
        for y, k in [(1, "real"), (0, "near_miss")]
    ]

    class Decision:  # the trained classifier: its probability of "answerable" for each row
        def predict_proba(self, x):
            return np.array([[0.1, 0.9], [0.8, 0.2]])[: len(x)]

    chosen = {"read": 0.5, "unread": 0.5}
    never_seen = _other_kinds(Decision(), np.array([0.0]), [], other, chosen, DecisionConfig(other_kinds_weight=0))
    assert never_seen["trained_on"] is False and never_seen["auc"] == 1.0
    assert never_seen["answerable_refused"] == 0.0 and never_seen["near_miss_refused"] == 1.0
    oof = np.array([0.3, 0.9])  # the out-of-fold models' scores of the same rows, when they are trained on
    trained = _other_kinds(Decision(), oof, other, other, chosen, DecisionConfig(other_kinds_weight=30))
    assert trained["trained_on"] is True and trained["auc"] == 0.0 and trained["answerable_refused"] == 1.0


def test_held_out_figures_are_of_the_other_kinds_rows_alone() -> None:
    read = [0.5] * len(DECISION_FEATURES)
    rows = [
        {"split": s, "features": read, "label": y, "kind": k, "qtype": "factoid"}
        for s, y, k in [
            ("train", 1, "real"),
            ("other", 1, "real"),
            ("other", 0, "near_miss"),
            ("other", 0, "off_topic"),
        ]
    ]
    scores = np.array([0.01, 0.9, 0.3, 0.05])  # the train row's low score must not count
    report = held_out(scores, rows, {"read": 0.2, "unread": 0.2}, "other")
    assert report["questions"] == 3 and report["auc"] == 1.0
    assert report["answerable_refused"] == 0.0 and report["near_miss_refused"] == 0.0
    assert report["off_topic_refused"] == 1.0


def test_round_rows_ask_follow_ups_with_their_history(tmp_path, embedder) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tool.md").write_text(
        "# frob\n\nfrob copies files between hosts. The --retries option sets how many times frob tries a copy "
        "again; its default is 3.\n\nfrob was written by Ada Quill in 2019.\n",
        encoding="utf-8",
    )
    questions = [
        {"id": "q1", "doc": "tool.md", "type": "factoid", "question": "who wrote frob?", "answerable": True},
        {"id": "q2", "doc": "tool.md", "type": "follow_up", "question": "what about the --retries option?",
         "answerable": True, "history": ["what does frob do?"]},
        {"id": "q3", "doc": "tool.md", "type": "near_miss", "question": "what is the default of the --timeout option?",
         "answerable": False},
        {"id": "q4", "doc": "", "type": "off_topic", "question": "how long do I boil an egg?", "answerable": False},
    ]  # fmt: skip
    rnd = Round("round99", docs, questions)
    engine = round_engine(rnd, Settings(), embedder, tmp_path / "work")
    engine.models = load_folder(BUNDLED, RANK_FEATURES, DECISION_FEATURES)
    assert "frob" in asked_with_history(engine, questions[1]).query  # the follow-up stands alone
    rows = round_rows(rnd, engine)
    assert [r["qid"] for r in rows] == ["round99:q1", "round99:q2", "round99:q3", "round99:q4"]
    assert [r["kind"] for r in rows] == ["real", "real", "near_miss", "off_topic"]
    assert {r["split"] for r in rows} == {"other"} and [r["label"] for r in rows] == [1, 1, 0, 0]
    assert rows[0]["qtype"] == "factoid" and len(rows[0]["features"]) == len(DECISION_FEATURES)
    assert rows[2]["features"] is None  # "--timeout" is never written: refused before composing
    assert rows[3]["qtype"] == "request" or rows[3]["features"] is None
    assert (tmp_path / "work" / "rounds" / "round99" / "current").exists()


@pytest.mark.parametrize("item,expected", [({"answerable": True, "type": "near_miss"}, "real"),
                                           ({"answerable": False, "type": "off_topic"}, "off_topic"),
                                           ({"answerable": False, "type": "factoid"}, "near_miss")])  # fmt: skip
def test_kind(item: dict, expected: str) -> None:
    assert kind(item) == expected
