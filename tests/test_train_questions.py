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
