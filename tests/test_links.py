from rag.text.links import Links, acronym_letters, initials, link_document

TEXT = (
    "The World Health Organization warned on Monday. WHO officials said the risk was low.\n\n"
    "Dr. Anna Berg, the agency's chief scientist, disagreed. Berg said more tests were needed.\n\n"
    "The U.S. delegation left early. Islamic State fighters fled. The Red Cross (ICRC) helped."
)


def test_abbreviations_link_to_the_long_form_before_them():
    links = link_document(TEXT)
    assert links.acronyms["WHO"] == "World Health Organization"
    assert links.acronyms["US"] is None  # no long form in the text
    assert links.expand("WHO") == "World Health Organization"


def test_short_names_link_to_the_fullest_mention():
    links = link_document(TEXT)
    assert links.names["berg"] == "Dr. Anna Berg"
    assert links.expand("Berg") == "Dr. Anna Berg"
    assert "fighters" not in links.names and "state" not in links.names  # not people


def test_helpers_and_json_round_trip():
    assert acronym_letters("U.S.") == "US" and acronym_letters("NGOs") == "NGO" and acronym_letters("Berg") is None
    assert initials("Amnesty International") == "AI"
    links = link_document(TEXT)
    assert Links.from_json(links.to_json()) == links
