"""rag/answer/cite.py: a short answer that only repeats the question is not shown as one."""

import pytest

from rag.answer.cite import _echoes


@pytest.mark.parametrize(("short", "question", "echoes"), [
    ("Ninja", "what project did ninja come out of?", True),
    ("languages", "Which languages does fontconfig have per-territory orthographies for?", True),
    ("the interval", "what's the default interval in seconds between rescans?", True),  # "the": no content word
    ("Chromium", "what project did ninja come out of?", False),
    ("the chicken", "Which came first, the chicken or the egg?", False),  # a choice the question offers
    ("No", "is no option left?", False),  # a yes/no verdict
    ("The sources say", "do the sources say the port is fixed?", False),  # the verdict that neither affirms nor denies
    ("the", "what is the default?", False),  # no content word: nothing to compare
    (None, "what is it?", False),
])
def test_a_short_answer_echoes_the_question_only_with_every_content_word_in_it(short, question, echoes):
    assert _echoes(short, question) is echoes
