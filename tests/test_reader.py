"""The shipped reader (rag/reader_model), loaded and run for real."""

import pytest

from rag.answer.reader import BUNDLED, Reader, ReaderError, load_reader, reader_folder

PARAGRAPH = ("The Millbrook bridge was closed in March after engineers found cracks in two of its pillars. "
             "Repairs are expected to cost 4 million euros. The town council voted on Tuesday to reopen it in 2027. "
             "Local shops say trade has fallen by a third since the closure.")
SENTENCES = [(0, 92), (93, 137), (138, 200), (201, 265)]


@pytest.fixture(scope="module")
def reader():
    return load_reader("bundled")


def test_the_reader_ships_with_its_card():
    assert (BUNDLED / "model.onnx").is_file() and (BUNDLED / "MODEL_CARD.md").is_file()
    assert (BUNDLED / "model.onnx").stat().st_size < 30 * 1024 * 1024  # the repository's budget


def test_answering_sentence_outranks_the_others(reader):
    assert [PARAGRAPH[s:e][-5:] for s, e in SENTENCES][-1] == "sure."
    for question, right in [("How much will the repairs cost?", 1), ("When did the council vote?", 2),
                            ("Why was the bridge closed?", 0), ("By how much has trade fallen?", 3)]:
        r = reader.read(question, [PARAGRAPH], [SENTENCES])[0]
        scores = [s.score for s in r.sentences]
        assert scores.index(max(scores)) == right, (question, scores)
        best = r.sentences[right]
        assert SENTENCES[right][0] <= best.start < best.end <= SENTENCES[right][1]


def test_short_answer_span(reader):
    r = reader.read("How much will the repairs cost?", [PARAGRAPH], [SENTENCES])[0]
    assert "4 million" in PARAGRAPH[r.best.start : r.best.end]


def test_unanswerable_question_prefers_no_answer(reader):
    r = reader.read("Who designed the bridge?", [PARAGRAPH], [SENTENCES])[0]
    assert r.null > max(s.score for s in r.sentences)
    assert r.answerable < reader.read("When did the council vote?", [PARAGRAPH], [SENTENCES])[0].answerable


def test_relevance_prefers_the_passage_that_answers(reader):
    other = "The museum opened a new wing for modern art. Tickets cost ten euros on weekdays."
    on, off = reader.read("How much will the repairs cost?", [PARAGRAPH, other])
    assert on.relevance > off.relevance and on.answerable > off.answerable


def test_long_passages_are_read_in_windows(reader):
    long = " ".join(["The weather was mild and nothing happened that day."] * 60) + " The vote took place on Friday."
    r = reader.read("When did the vote take place?", [long])[0]
    assert "Friday" in long[r.best.start : r.best.end]


def test_reader_setting():
    assert reader_folder("off") is None
    assert reader_folder("bundled") == BUNDLED
    with pytest.raises(ReaderError, match="no model.onnx"):
        reader_folder("/nonexistent/reader")


def test_damaged_reader_folder_is_a_clear_error(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    (tmp_path / "reader.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ReaderError, match="cannot load the reader"):
        Reader(tmp_path)
