"""SQuAD's exact match and F1, and the wh-class of a question."""

import pytest

from rag.eval.metrics import exact_match, normalize_answer, token_f1, wh_class


def test_normalisation_drops_case_punctuation_and_articles():
    assert normalize_answer("The  Eiffel Tower!") == "eiffel tower"
    assert exact_match("the Eiffel tower", ["Eiffel Tower"]) == 1.0
    assert exact_match("Eiffel", ["Eiffel Tower"]) == 0.0


def test_f1_is_the_best_token_overlap_over_the_gold_answers():
    assert token_f1("Eiffel", ["Eiffel Tower", "Paris"]) == pytest.approx(2 / 3)
    assert token_f1("in Paris", ["Paris"]) == pytest.approx(2 / 3)
    assert token_f1("London", ["Paris"]) == 0.0
    assert token_f1("", ["Paris"]) == 0.0


@pytest.mark.parametrize("question, expected", [
    ("How many people live there?", "how many"), ("How long did it last?", "how long"), ("In what year was it built?", "when"),
    ("Who founded it?", "who"), ("Why did it close?", "why"), ("How does it work?", "how"), ("Which river?", "which"),
    ("What is its name?", "what"), ("Name the river.", "other")])
def test_wh_class(question, expected):
    assert wh_class(question) == expected
