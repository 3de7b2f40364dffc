"""rag/train/questions.py: the generated training questions."""

from __future__ import annotations

import pytest

from rag.answer.analysis import analyze
from rag.answer.qtypes import QType
from rag.train.questions import yes_no_question


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("The bridge was built in 1932 to carry the railway.", "Was the bridge built in 1932 to carry the railway?"),
        ("Beyoncé released her first album in 2003.", "Did Beyoncé release her first album in 2003?"),
        ("The company has offices in London.", "Does the company have offices in London?"),
        ("Many students live on campus.", "Do many students live on campus?"),
        ("She can sing in four languages.", "Can she sing in four languages?"),
        ("The university has been ranked among the top ten.", "Has the university been ranked among the top ten?"),
        ("Notre Dame is a Catholic university.", "Is Notre Dame a Catholic university?"),
    ],
)
def test_a_statement_becomes_the_question_whether_it_holds(sentence: str, question: str) -> None:
    assert yes_no_question(sentence) == question
    assert analyze(question).qtype is QType.YES_NO


@pytest.mark.parametrize(
    "sentence",
    [
        "In 1932, the bridge was built.",  # does not start with its subject
        "The Board met six times and is supported by three committees.",  # two statements
        "“Hello,” he said.",  # a quotation
        "Is the bridge old?",  # not a statement
    ],
)
def test_no_question_from_what_is_not_one_plain_statement(sentence: str) -> None:
    assert yes_no_question(sentence) is None


def test_a_present_near_miss_names_what_the_index_has_but_not_where_the_answer_is() -> None:
    import random

    from rag.answer.vocabulary import Vocabulary
    from rag.eval.perturb import Pools, PresentSwapper
    from rag.eval.squad import SquadQuestion
    from rag.train.questions import near_misses_present

    docs = {
        "p1": "In 2023 the survey counted 1,284 salmon at Carrow Weir in Lyon.",
        "p2": "The survey began in 2019 in Paris, run by Ada Lovelace.",
        "p3": "Grace Hopper counted 900 salmon in Lyon.",  # holds an answer too: nothing of it is swapped in
    }
    words = " ".join(docs.values()).replace(",", " ").replace(".", " ").split()
    names = Pools(names={"GPE": ["Paris", "Lyon", "Peru"], "PERSON": ["Ada Lovelace", "Grace Hopper"]}, nouns={})
    q = SquadQuestion("q1", "How many salmon were counted in Lyon in 2023?", "p1", "t", False, (("1,284", 30),))
    unanswerable = SquadQuestion("q2", "How many trout were counted in 2023?", "p1", "t", True, ())
    made = set()
    for seed in range(12):
        swapper = PresentSwapper(Vocabulary(words), names, seed)
        for t in near_misses_present([q, unanswerable], docs, swapper, 1.0, random.Random(seed)):
            assert t.kind == "near_miss_present" and not t.answerable and t.qid == "q1~present"
            made.add(t.question)
    # 2019 and Paris are in the index but neither in the question's paragraph nor with its answer; Peru is not in
    # the index, 2023 and Lyon are where the answer is, and Grace Hopper's paragraph holds no gold answer but Lyon
    assert made == {
        "How many salmon were counted in Paris in 2023?",
        "How many salmon were counted in Lyon in 2019?",
    }
