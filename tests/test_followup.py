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


def test_it_stands_for_the_thing_last_asked_about():
    assert standalone_question("What license is it under?", [("What is Faiss?", "...")]) == "What license is Faiss under?"
    # the named phrase outside the wh-phrase, not the noun the question asks for
    assert standalone_question("Is it enabled by default?", [("Which version added HTTP/3?", "...")]) == (
        "Is HTTP/3 enabled by default?"
    )
    # a common noun phrase when nothing is named; "its" as a possessive
    h = [("What is the write-ahead log?", "...")]
    assert standalone_question("How big can it get?", h) == "How big can the write-ahead log get?"
    assert standalone_question("What are its limits?", h) == "What are the write-ahead log’s limits?"
    # the first phrase, not a name after it; and not the wh-phrase, though the parser cuts "which" from "version"
    h = [("What is the phony rule in Ninja used for?", "...")]
    assert standalone_question("Is it printed when run?", h) == "Is the phony rule printed when run?"
    h = [("Since which version is the console pool available in Ninja?", "...")]
    assert standalone_question("What is its depth?", h) == "What is the console pool’s depth?"
    # never a person, and a plural is not "it"
    h = [("What did Townsend say about the report?", "...")]
    assert standalone_question("Is it accurate?", h, is_person) == "Is the report accurate?"
    assert standalone_question("Is it large?", [("How many civilians died?", "...")]) == "Is it large?"


def test_it_before_a_clause_stands_for_nothing():
    h = [("What is the write-ahead log?", "...")]
    assert standalone_question("Is it true that readers block writers?", h) == "Is it true that readers block writers?"
    assert standalone_question("Is it possible to turn off?", h) == "Is it possible to turn off?"


def test_what_about_a_name_or_number_asks_the_same_of_it():
    assert standalone_question("What about Jones?", [("What did Croft say?", "...")], is_person) == "What did Jones say?"
    # a name the tagger cannot place counts as a name by its capital
    assert standalone_question("What about Globex?", [("Who founded Acme Corp?", "...")]) == "Who founded Globex?"
    assert standalone_question("And the Statue of Liberty?", [("When was the Eiffel Tower built?", "...")]) == (
        "When was the Statue of Liberty built?"
    )
    # a number for a number, the earlier question keeping its own preposition
    assert standalone_question("And in 1991?", [("How many people died in 1990?", "...")]) == (
        "How many people died in 1991?"
    )
    # a thing, or a name with nothing of its kind before, is what the earlier question is asked about
    h = [("What does the MPL say about patents?", "...")]
    assert standalone_question("What about trademarks?", h) == "What does the MPL say about trademarks?"
    assert standalone_question("What about Amnesty?", [("What did Croft say?", "...")], is_person) == (
        "What did Croft say about Amnesty?"
    )


def test_a_person_the_tagger_misreads_is_still_found():
    # spaCy tags "Townsend" in "Who is Townsend?" as a verb; the index knows him as a person
    assert standalone_question("What did he say?", [("Who is Townsend?", "...")], is_person) == "What did Townsend say?"


def test_no_history_no_change():
    assert standalone_question("What did he say?", None) == "What did he say?"


def test_follow_up_answers_end_to_end(assistant):
    history = [("What did Townsend say?", assistant.ask("What did Townsend say?").answer)]
    ans = assistant.ask("What did he challenge Amnesty to do?", history)
    assert ans.standalone_question == "What did Townsend challenge Amnesty to do?"
    assert "research their facts" in ans.answer
    ans = assistant.ask("And what about drones?", [("What did Croft say?", "...")])
    assert ans.standalone_question == "What did Croft say about drones?"  # answered or not: test_compose.py


def test_long_conversations_resolve_in_linear_time():
    # each earlier turn is resolved once: 200 turns take seconds, not forever
    import time

    h = [("What did Townsend say?", "...")] + [("What did he say about the report?", "...")] * 200
    t = time.perf_counter()
    assert standalone_question("What did he challenge Amnesty to do?", h, is_person) == "What did Townsend challenge Amnesty to do?"
    assert time.perf_counter() - t < 20


def test_after_a_who_question_a_pronoun_is_whom_its_answer_names():
    h = [("Who publishes the GNU Free Documentation License?",
          "Free Software Foundation: The Free Software Foundation may publish new, revised versions. [1]")]
    assert standalone_question("Can they publish new versions of it?", h) == (
        "Can Free Software Foundation publish new versions of the GNU Free Documentation License?")
    h = [("Who was the host?", "Rachel Martin: he said to NPR host Rachel Martin. [1]")]
    assert standalone_question("What did she ask?", h, is_person) == "What did Rachel Martin ask?"


def test_a_quoted_term_stands_in_for_the_quoted_term_before():
    h = [('What does "definitely lost" mean in the leak summary?', "...")]
    assert standalone_question('And "still reachable"?', h) == 'What does "still reachable" mean in the leak summary?'
    # apostrophes are no quotes: nothing quoted before, so the quoted term is the topic
    assert standalone_question("What about 'drones'?", [("What's Croft's view?", "...")]) == (
        "What's Croft's view about 'drones'?")


def test_an_ellipsis_of_no_words_is_left_as_asked():
    # (a question that names nothing carries the names before it)
    assert standalone_question("What about ?", [("Who is Townsend?", "...")], is_person) == "What about (Townsend)?"
    assert standalone_question("What about ' '?", [("What's 'x'?", "...")]) == "What about ' '?"


def test_an_option_stands_in_for_the_option_before():
    assert standalone_question("And -B?", [("what does grep -A do?", "...")]) == "what does grep -B do?"


def test_after_who_is_someones_relative_a_pronoun_is_the_one_the_answer_names():
    # the answer leads with its short answer; the quote under it names the father first
    h = [("Who is Hori Parata's son?", "Te Kaurinui:\nParata and his son, Te Kaurinui Robert Parata, came to help. [1]")]
    assert standalone_question("why was he given that name?", h, lambda n: "Parata" in n or "Kaurinui" in n) == (
        "why was Te Kaurinui given that name?")
    # "Who is Townsend?": the answer is about Townsend, whatever else it names
    h = [("Who is Townsend?", "Lt. General Stephen Townsend:\nTownsend met Croft on Monday. [1]")]
    assert standalone_question("What did he say?", h, is_person) == "What did Townsend say?"


def test_they_stands_for_the_plural_thing_last_asked_about_when_no_body_was_named():
    h = [("What are pools in Ninja?", "...")]
    assert standalone_question("Since which version are they available?", h) == (
        "Since which version are pools available?"
    )
    # a possessive in the phrase is part of it, in the user's own voice
    h = [("What happens to my rights if I break the license terms?", "...")]
    assert standalone_question("can I get them back?", h) == "can I get my rights back?"
    # else the plural thing the question before asked about, and "it" of the order its own first clause names
    h = [("What authentication methods are available in the ssh client?", "...")]
    assert standalone_question("in what order are they tried and can i change it", h) == (
        "in what order are authentication methods tried and can i change it"
    )
    # a body the user named still comes first
    h = [("What did Amnesty International say about the strikes?", "...")]
    assert standalone_question("What did they demand?", h, is_person) == "What did Amnesty International demand?"


def test_there_stands_for_the_thing_last_asked_about_but_not_in_is_there():
    h = [("What does defusedxml.xmlrpc do?", "...")]
    assert standalone_question("whats the default size limit there?", h) == (
        "whats the default size limit in defusedxml.xmlrpc?"
    )
    assert standalone_question("is there a size limit?", h) == "is there a size limit?"


def test_it_stands_for_the_thing_its_own_question_named_in_a_clause_before():
    h = [("What does defusedxml.xmlrpc do?", "...")]
    assert standalone_question("what is the size limit, and can I turn it off?", h) == (
        "what is the size limit, and can I turn it off?"
    )
    # within one clause "it" is still the earlier question's thing
    assert standalone_question("what does the README say about it?", h) == (
        "what does the README say about defusedxml.xmlrpc?"
    )


def test_it_stands_for_the_code_the_last_answer_named_when_the_questions_named_no_thing():
    answer = "Debugging is controlled by means of the FC_DEBUG environment variable. [1]"
    h = [("how do i get fontconfig to print debugging messages?", answer)]
    assert standalone_question("what value should I set it to?", h) == "what value should I set FC_DEBUG to?"
    # a thing the user named still comes first
    h = [("What is the write-ahead log?", "The WAL_MODE setting turns the write-ahead log on. [1]")]
    assert standalone_question("How big can it get?", h) == "How big can the write-ahead log get?"


def test_it_is_a_lower_case_name_the_entity_model_takes_for_a_person():
    # "orjson" is tagged PERSON by the entity model; a person's name is capitalised
    h = [("What is orjson?", "orjson is a fast JSON library.")]
    assert standalone_question("Which Python versions does it support?", h, is_person) == (
        "Which Python versions does orjson support?"
    )


def test_it_is_a_subject_the_parser_puts_in_no_noun_chunk():
    h = [("What does tqdm do?", "It shows a progress meter.")]
    assert standalone_question("How do I install it with pip?", h, is_person) == "How do I install tqdm with pip?"


def test_and_before_a_question_of_its_own_is_no_ellipsis():
    h = [("What did Croft say?", "...")]
    assert standalone_question("And did he blame Amnesty?", h, is_person) == "And did Croft blame Amnesty?"
    assert standalone_question("And whom did he blame?", h, is_person) == "And whom did Croft blame?"


def test_i_is_no_name_to_swap_for_the_topic():
    h = [("How do I install tqdm with pip?", "...")]
    assert standalone_question("What about conda?", h, is_person) == "How do I install tqdm with conda?"
