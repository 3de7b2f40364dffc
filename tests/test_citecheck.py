"""The citation check of generated answers, on the seed index (no model needed)."""

from rag.answer import citecheck


def _pids(assistant, *needles):
    out = []
    for needle in needles:
        out.append(next(p.pid for p in assistant.index.passages if needle in p.text))
    return out


def test_split_claims_keeps_markers_with_their_sentence():
    claims = citecheck.split_claims("Townsend rejected the notion. [1] He challenged Amnesty [2][3]. No source here.")
    assert claims == [("Townsend rejected the notion.", [1]), ("He challenged Amnesty.", [2, 3]), ("No source here.", [])]


def test_supported_citation_stands_and_points_at_the_sentence(assistant):
    pids = _pids(assistant, "I would challenge the people")
    text = "Townsend challenged Amnesty International to first research their facts. [1]"
    checked = citecheck.check(text, pids, assistant.retriever, support_min=0.5)
    [claim] = checked.claims
    assert claim.supported_as_cited and checked.citation_recall == 1.0 and checked.citation_precision == 1.0
    support = claim.supports[1]
    doc = assistant.index.documents[assistant.index.passages[support.pid].doc_id].text
    assert "research their facts" in doc[support.start : support.end]


def test_invented_or_misattributed_claims_are_flagged(assistant):
    pids = _pids(assistant, "I would challenge the people", "at least 3,706 civilians")
    text = ("Townsend said the moon is made of green cheese. [1] "
            "At least 3,706 civilians were killed according to the report. [2] "
            "At least 3,706 civilians were killed. [1] "
            "The coalition won the World Cup. [7] "
            "What did Townsend say? [1] "
            "An uncited sentence.")
    checked = citecheck.check(text, pids, assistant.retriever, support_min=0.5)
    verdicts = {c.text: c.supported for c in checked.claims}
    assert verdicts == {
        "Townsend said the moon is made of green cheese.": False,
        "At least 3,706 civilians were killed according to the report.": True,
        "At least 3,706 civilians were killed.": False,  # cited to the wrong passage, and not found for it
        "The coalition won the World Cup.": False,  # [7] is out of range
        "What did Townsend say?": False,  # a question asserts nothing
        "An uncited sentence.": False,
    }
    # ALCE-style: 1 of 6 sentences backed by its own citations; 1 of 5 citations backs its sentence
    assert checked.citation_recall == 1 / 6
    assert checked.citation_precision == 1 / 5


def test_misattributed_quote_is_not_supported(assistant):
    # Jones said this, not Townsend; the words match Jones's passage but the name does not
    pids = _pids(assistant, "riddled with assertion", "I would challenge the people")
    text = "Townsend said the report was written by people who have no understanding of the brutality of warfare. [1]"
    checked = citecheck.check(text, pids, assistant.retriever, support_min=0.5)
    assert [c.supported for c in checked.claims] == [False] and checked.citation_precision == 0.0


def test_uncited_sentence_gets_a_checked_source(assistant):
    pids = _pids(assistant, "I would challenge the people", "at least 3,706 civilians")
    checked = citecheck.check("The report says at least 3,706 civilians were killed.", pids,
                              assistant.retriever, support_min=0.5)
    [claim] = checked.claims
    assert claim.supported and not claim.supported_as_cited  # found for it, not cited by the model
    n, support = claim.found
    assert n == 2 and support.pid == pids[1]


def test_names_and_numbers():
    assert citecheck.names_and_numbers("The report says Townsend counted 3,706 deaths in Mosul.") == ["Townsend", "3706", "Mosul"]


def test_pronoun_claims_must_be_about_the_person_asked(assistant):
    pids = _pids(assistant, "riddled with assertion")
    text = "He said the report was written by people who have no understanding of the brutality of warfare. [1]"
    r = assistant.retriever
    assert not citecheck.check(text, pids, r, 0.5, question="What did Townsend say?").claims[0].supported
    assert citecheck.check(text, pids, r, 0.5, question="What did Jones say?").claims[0].supported
