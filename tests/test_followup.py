from rag.answer.followup import standalone_question

PEOPLE = {"townsend", "croft", "jones", "martin"}


def is_person(name: str) -> bool:
    return bool({w.lower() for w in name.split()} & PEOPLE)


def test_pronoun_resolves_to_person_asked_about():
    h = [("What did Townsend say?", "...")]
    assert standalone_question("What did he challenge Amnesty to do?", h, is_person) == "What did Townsend challenge Amnesty to do?"


def test_possessive_pronoun():
    h = [("What did Townsend say?", "...")]
    assert standalone_question("What was his rank?", h, is_person) == "What was Townsend’s rank?"


def test_ellipsis_reuses_previous_question():
    h = [("What did Croft say?", "...")]
    assert standalone_question("And what about drones?", h, is_person) == "What did Croft say about drones?"


def test_chain_of_follow_ups():
    h = [("What did Croft say?", "..."), ("What did he say about the report?", "...")]
    assert standalone_question("And what about drones?", h, is_person) == "What did Croft say about drones?"


def test_person_from_answer_when_question_has_none():
    h = [("Who hosted the NPR interview?", "NPR host Rachel Martin interviewed him.")]
    assert "Rachel Martin" in standalone_question("What did she ask?", h, is_person)


def test_group_pronoun_from_the_users_own_question():
    h = [("What did Amnesty International say?", "...")]
    assert standalone_question("What did they demand?", h, is_person) == "What did Amnesty International demand?"
    # an answer names many bodies in passing: "they" is not taken from it
    h = [("Who is Townsend?", "The top commander of the anti-ISIS coalition, at NATO.")]
    assert "they" in standalone_question("What did they demand?", h, is_person)


def test_a_follow_up_naming_nothing_carries_the_previous_names():
    h = [("What did Croft tell NPR?", "...")]
    out = standalone_question("Who was the host?", h, is_person)
    assert out.startswith("Who was the host") and "Croft" in out and "NPR" in out
    # a follow-up with a name of its own stands alone
    assert standalone_question("Who is Rupert Jones?", h, is_person) == "Who is Rupert Jones?"


def test_no_history_no_change():
    assert standalone_question("What did he say?", None) == "What did he say?"


def test_follow_up_answers_end_to_end(assistant):
    history = [("What did Townsend say?", assistant.ask("What did Townsend say?").answer)]
    ans = assistant.ask("What did he challenge Amnesty to do?", history)
    assert ans.standalone_question == "What did Townsend challenge Amnesty to do?"
    assert "research their facts" in ans.answer
    ans = assistant.ask("And what about drones?", [("What did Croft say?", "...")])
    assert "unmanned vehicles" in ans.answer


def test_long_conversations_resolve_in_linear_time():
    # each earlier turn is resolved once: 200 turns take seconds, not forever
    import time

    h = [("What did Townsend say?", "...")] + [("What did he say about the report?", "...")] * 200
    t = time.perf_counter()
    assert standalone_question("What did he challenge Amnesty to do?", h, is_person) == "What did Townsend challenge Amnesty to do?"
    assert time.perf_counter() - t < 20
