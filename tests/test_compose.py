"""Each kind of question gets the kind of answer it asks for, on the seed article."""

import pytest

from rag.answer.types import NOT_ABOUT_SOURCES, REFUSAL


def _ask(assistant, q, history=None):
    ans = assistant.ask(q, history)
    assert ans.question_type, q
    return ans


def test_factoid_gives_a_short_answer_of_the_expected_type_first(assistant):
    ans = _ask(assistant, "On what day was the report published?")
    assert ans.question_type == "factoid" and ans.short_answer == "Tuesday"
    assert ans.answer.startswith("Tuesday") and "[1]" in ans.answer
    c = ans.citations[0]
    assert "Tuesday" in assistant.index.documents[c.doc_id].text[c.sentence_start : c.sentence_end]


def test_the_expected_type_may_sit_in_the_next_sentence(assistant):
    ans = _ask(assistant, "When did Abadi criticize the report?")
    assert ans.short_answer == "Wednesday" and "critical of the report" in ans.answer


def test_who_said_names_the_speaker_in_full(assistant):
    ans = _ask(assistant, "Who said the report was riddled with assertion?")
    assert ans.question_type == "who_said" and "Rupert Jones" in ans.short_answer
    assert "riddled with assertion" in ans.answer


def test_definitions_from_the_documents_links(assistant):
    ans = _ask(assistant, "What does AI stand for?")
    assert ans.question_type == "definition" and ans.short_answer == "Amnesty International"
    ans = _ask(assistant, "Who is Rupert Jones?")
    assert "deputy commander" in ans.short_answer and "British Major General Rupert Jones" in ans.short_answer


def test_list_items_are_distinct_and_each_cited(assistant):
    ans = _ask(assistant, "Which people are quoted in the article?")
    assert ans.question_type == "list" and len(ans.citations) >= 3
    names = ans.short_answer
    for who in ("Croft", "Jones", "Townsend"):
        assert who in names
    assert names.count("Jones") == 1  # "Jones" and "Rupert Jones" are one person


def test_summary_covers_with_several_cited_sentences_in_document_order(assistant):
    ans = _ask(assistant, "Summarize what Jones said.")
    assert ans.question_type == "summary" and 2 <= len(ans.citations) <= 6
    starts = [c.sentence_start for c in ans.citations]
    assert starts == sorted(starts)


def test_yes_no_only_when_the_evidence_says_so(assistant):
    ans = _ask(assistant, "Is the coalition led by the United States?")
    assert ans.question_type == "yes_no" and ans.answer.startswith("Yes.") and "U.S.-led" in ans.answer
    ans = _ask(assistant, "Did Amnesty coordinate with the coalition, according to Croft?")
    assert ans.answer.startswith("No.") and "not coordinated" in ans.answer


def test_comparison_quotes_each_side(assistant):
    ans = _ask(assistant, "How do Abadi's and Townsend's criticisms of the report differ?")
    assert ans.question_type == "comparison" and len(ans.citations) == 2
    assert "Abadi" in ans.answer.split("\n")[0] and "Townsend" in ans.answer.split("\n")[1]


@pytest.mark.parametrize("q", ["Write a poem about Mosul.", "Tell me a joke."])
def test_requests_that_are_not_questions_are_refused(assistant, q):
    ans = _ask(assistant, q)
    assert ans.refused and ans.answer == NOT_ABOUT_SOURCES and not ans.citations


@pytest.mark.parametrize("q", ["How old is Rupert Jones?", "How many drones did the coalition fly over Mosul?"])
def test_a_missing_kind_of_answer_is_refused(assistant, q):
    ans = _ask(assistant, q)
    assert ans.refused and ans.answer == REFUSAL


def test_example_questions_come_from_the_index(assistant):
    examples = assistant.example_questions()
    assert examples and any("Croft" in q or "Townsend" in q or "Jones" in q for q in examples)
    assert any(q.startswith("What does AI stand for") for q in examples)
    for q in examples:
        assert not assistant.ask(q).refused, q
