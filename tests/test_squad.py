import json

from rag.eval.squad import article_splits, load_squad, split_of


def test_split_by_title_order():
    assert [split_of(i) for i in range(7)] == ["train", "test", "tune", "train", "test", "train", "train"]
    splits = article_splits([f"T{i:02d}" for i in range(18)])
    assert sum(v == "test" for v in splits.values()) == 6 and sum(v == "tune" for v in splits.values()) == 3


def test_load_squad_keeps_offsets_and_filters_splits(tmp_path):
    data = {"data": [
        {"title": f"A{i}", "paragraphs": [{"context": f"  Paris is the capital {i}.", "qas": [
            {"id": f"q{i}", "question": "What is the capital?", "is_impossible": False,
             "answers": [{"text": "Paris", "answer_start": 2}]}]}]} for i in range(3)]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    docs, qs = load_squad(path)
    assert len(docs) == 3 and docs[0].text.startswith("Paris")
    q = qs[0]
    text, start = q.answers[0]
    assert docs[0].text[start : start + len(text)] == "Paris"  # leading spaces stripped, offsets shifted
    docs, qs = load_squad(path, ("test",))
    assert [q.title for q in qs] == ["A1"]
