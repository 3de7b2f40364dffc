from rag.chat import standalone_question


def test_pronoun_resolves_to_person_asked_about():
    h = [("What did Townsend say?", "...")]
    assert standalone_question("What did he challenge Amnesty to do?", h) == "What did Townsend challenge Amnesty to do?"


def test_ellipsis_reuses_previous_question():
    h = [("What did Croft say?", "...")]
    assert standalone_question("And what about drones?", h) == "What did Croft say about drones?"


def test_chain_of_follow_ups():
    h = [("What did Croft say?", "..."), ("What did he say about the report?", "...")]
    assert standalone_question("And what about drones?", h) == "What did Croft say about drones?"


def test_person_from_answer_when_question_has_none():
    h = [("Who hosted the NPR interview?", "NPR host Rachel Martin interviewed him.")]
    assert "Rachel Martin" in standalone_question("What did she ask?", h)


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
    # each earlier turn is resolved once: 200 turns take milliseconds, not forever
    import time

    h = [("What did Townsend say?", "...")] + [("What did he say about the report?", "...")] * 200
    t = time.perf_counter()
    assert standalone_question("What did he challenge Amnesty to do?", h) == "What did Townsend challenge Amnesty to do?"
    assert time.perf_counter() - t < 5  # exponential before: 25 turns took minutes
