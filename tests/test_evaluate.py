import io
import json
import math
import tarfile

import pytest

from rag.eval.beir import load_beir, ndcg_at, recall_at
from rag.eval.common import answer_words
from rag.eval.dev import eval_dev, load_dev_questions
from rag.eval.squad import load_squad


def test_dev_questions_meet_the_bar(assistant):
    items = load_dev_questions()
    result = eval_dev(assistant, items)
    assert result["questions"] == len(items) == 44
    # with the learned ranker and decision: 30 of 34 answers, 30 of 34 citations, 41 of 44 refusals right
    # (docs/EVALUATION.md; 33, 32 and 43 with the hand rules fitted to these questions, which generalised worse);
    # a drop is a regression
    assert result["answer_accuracy"] >= 30 / 34
    assert result["citation_accuracy"] >= 30 / 34
    assert result["refusal_accuracy"] >= 41 / 44
    assert result["by_type"]["summary"]["answer_accuracy"] == 1.0
    # a type of unanswerable questions only has no answer accuracy to measure (the report shows "–", not 0%)
    assert math.isnan(result["by_type"]["refusal"]["answer_accuracy"]) and result["by_type"]["refusal"]["refusal_accuracy"] >= 5 / 8
    assert result["words_p90"] <= 120  # concise: a summary or a list is a few sentences, a factoid one


def test_ndcg_and_recall():
    rel = {"a": 1, "b": 1}
    assert ndcg_at(["a", "b", "c"], rel) == pytest.approx(1.0)
    assert ndcg_at(["c", "a"], rel) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ndcg_at(["c"], rel) == 0.0
    assert recall_at(["x", "a"], rel, k=100) == 0.5


def test_answer_words_ignores_markers_and_bullets():
    assert answer_words("- One two. [1]\n- Three [2]") == 3


def test_load_beir_and_squad(tmp_path):
    buf = tmp_path / "mini.tar.gz"
    files = {
        "mini/corpus.jsonl": "\n".join(json.dumps(d) for d in [{"_id": "d1", "title": "T1", "text": "Alpha text."},
                                                                 {"_id": "d2", "title": "T2", "text": "Beta text."}]),
        "mini/queries.jsonl": json.dumps({"_id": "q1", "text": "alpha?"}) + "\n" + json.dumps({"_id": "q2", "text": "none"}),
        "mini/qrels/test.tsv": "query-id\tcorpus-id\tscore\nq1\td1\t1\n",
    }
    with tarfile.open(buf, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    docs, queries, qrels, id_map = load_beir(buf)
    assert len(docs) == 2 and queries == {"q1": "alpha?"} and qrels == {"q1": {"d1": 1}}
    assert sorted(id_map.values()) == ["d1", "d2"]

    squad = tmp_path / "squad.json"
    squad.write_text(json.dumps({"data": [{"title": "Owl_Facts", "paragraphs": [{"context": "Owls hunt at night.", "qas": [
        {"id": "1", "question": "When do owls hunt?", "answers": [{"text": "at night", "answer_start": 10}], "is_impossible": False},
        {"id": "2", "question": "When do owls sing?", "answers": [], "is_impossible": True}]}]}]}), encoding="utf-8")
    docs, qs = load_squad(squad)
    assert docs[0].title == "Owl Facts" and qs[0].answer_texts == ["at night"] and qs[1].impossible
    assert qs[0].doc_id == docs[0].doc_id


def test_citation_check_keeps_quotes_and_rejects_wrong_sources(assistant):
    """The check's calibration on the dev questions: every quoted sentence (and half-quote) is kept at
    the engine's threshold; citing another passage, or swapping a name or number, is rejected."""
    from rag.eval.dev import calibrate_checker

    items = load_dev_questions()
    result = calibrate_checker(assistant, items, thresholds=(assistant.settings.support_min,))
    [(_, backed, partial, wrong_passage, swapped)] = result["table"]
    assert result["positives"] >= 10 and result["wrong_passage"] >= 10 and result["swapped"] >= 10
    assert backed == 1.0 and partial >= 0.9
    assert wrong_passage <= 0.1 and swapped <= 0.15
