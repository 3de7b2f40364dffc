import random

from rag.eval.squad import SquadQuestion
from rag.store.documents import Document, content_id
from rag.train.masked import masked_article

FIRST = "The bridge opened in 1932. Its engineer was Joan Hale. It carries six lanes."
SECOND = "The river below is wide. Ferries crossed it before the bridge."


def _doc(text: str, n: int) -> Document:
    return Document(content_id(text), "Bridge", f"squad:Bridge#{n}", text)


def _question(qid: str, question: str, doc: Document, answer: str) -> SquadQuestion:
    return SquadQuestion(qid, question, doc.doc_id, "Bridge", False, ((answer, doc.text.index(answer)),))


def test_the_sentences_answering_a_chosen_question_are_taken_out_and_it_becomes_unanswerable():
    first, second = _doc(FIRST, 0), _doc(SECOND, 1)
    questions = [
        _question("q1", "Who was the bridge's engineer?", first, "Joan Hale"),
        _question("q2", "How many lanes does it carry?", first, "six"),
        SquadQuestion("q3", "Who painted the bridge?", first.doc_id, "Bridge", True, ()),
    ]
    docs, made = masked_article([first, second], questions, 1.0, random.Random(0))
    texts = [d.text for d in docs]
    # both answering sentences go, the rest of the paragraph stays, under a new id; the other paragraph is untouched
    assert texts == ["The bridge opened in 1932.", SECOND]
    assert docs[0].doc_id == content_id("The bridge opened in 1932.") and docs[1] is second
    assert [(q.qid, q.answerable, q.kind) for q in made] == [("q1:masked", False, "masked"), ("q2:masked", False, "masked")]
    assert made[0].question == "Who was the bridge's engineer?"


def test_a_question_whose_answer_the_article_writes_elsewhere_is_not_made():
    first, second = _doc(FIRST, 0), _doc(SECOND, 1)
    # "the bridge" is cut with the sentence that answers, but written on in the other paragraph
    questions = [_question("q1", "What carries six lanes?", first, "It carries six lanes")]
    questions += [_question("q2", "What did ferries cross before?", first, "The bridge")]
    docs, made = masked_article([first, second], questions, 1.0, random.Random(0))
    assert [q.qid for q in made] == ["q1:masked"]
    assert "The bridge opened" not in " ".join(d.text for d in docs)


def test_the_share_chooses_questions_by_the_seeded_generator():
    first = _doc(FIRST, 0)
    questions = [_question(f"q{i}", "Who was the engineer?", first, "Joan Hale") for i in range(40)]
    picked = [q.qid for q in masked_article([first], questions, 0.25, random.Random(7))[1]]
    assert picked == [q.qid for q in masked_article([first], questions, 0.25, random.Random(7))[1]]
    assert 0 < len(picked) < 40


def test_each_article_gets_its_masked_copies_asked_only_what_they_no_longer_answer():
    from rag.train.collect import Setting, make_questions, masked_settings

    first = _doc(FIRST, 0)
    article = Setting("article:Bridge", "tune", [first], [_question("q1", "Who was the engineer?", first, "Joan Hale")], [])
    assert masked_settings([article], 13, 0) == []
    copies = masked_settings([article], 13, 2)
    assert [(s.name, s.split) for s in copies] == [("masked1:Bridge", "tune"), ("masked2:Bridge", "tune")]
    # a fifth of one question is drawn or not; what is made is what is asked, whatever the index
    for s in copies:
        assert make_questions(s, None, 13) == s.made and all(not q.answerable for q in s.made)
