"""The answerable head's file: loaded only when whole and made for the graph it sits beside."""

import json

import numpy as np
import pytest

from rag.answer.answerable_head import HEAD_FILE, AnswerableHead, HeadError, load_head


def _write(folder, **over):
    data = {"cls": [0.5, -1.0, 2.0], "margin": 0.25, "relevance": 0.1, "bias": -1.5,
            "training": {"graph_sha256": "abc"}}
    data.update(over)
    (folder / HEAD_FILE).write_text(json.dumps(data), encoding="utf-8")


def test_logit_is_the_linear_function_of_its_inputs(tmp_path):
    _write(tmp_path)
    head = load_head(tmp_path, "abc", 3)
    assert isinstance(head, AnswerableHead)
    # 0.5 * 2 - 1 * 1 + 2 * 0.5 + 0.25 * 4 + 0.1 * 10 - 1.5 = 1.5
    assert head.logit(np.array([2.0, 1.0, 0.5], dtype=np.float32), 4.0, 10.0) == pytest.approx(1.5)


def test_missing_file(tmp_path):
    with pytest.raises(HeadError, match=r"answerable_head.json is missing \(re-create it with `python -m rag.train.reader_head`"):
        load_head(tmp_path, "abc", 3)


@pytest.mark.parametrize("over, message", [
    ({"cls": [0.5, -1.0]}, "is damaged: it needs 3 finite"),
    ({"cls": [0.5, -1.0, float("nan")]}, "is damaged: it needs 3 finite"),
    ({"bias": "x"}, r"is damaged \(ValueError"),
    ({"training": {}}, r"is damaged \(KeyError"),
    ({"training": {"graph_sha256": "other"}}, "was trained on another model.onnx"),
])
def test_damaged_or_foreign_file(tmp_path, over, message):
    _write(tmp_path, **over)
    with pytest.raises(HeadError, match=message):
        load_head(tmp_path, "abc", 3)


def test_not_json(tmp_path):
    (tmp_path / HEAD_FILE).write_text("{cls: ", encoding="utf-8")
    with pytest.raises(HeadError, match=r"is damaged \(JSONDecodeError"):
        load_head(tmp_path, "abc", 3)
