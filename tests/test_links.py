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


def test_headings_and_common_words_are_no_names():
    text = (
        "Build Rules\nEach rule names a command. The rules run in order.\n\n"
        "Conclusions\nAny reader may copy it.\n\n"
        "This is the GNU General Public License. Your license ends if you break it.\n\n"
        "The guide was written by Ruth Aldo. Aldo said so.\n\nCite Skua when you use Skua. See the Skua site."
    )
    names = link_document(text).names
    # a heading and the sentence under it are two runs, and a word written in lower case elsewhere is common
    assert "each" not in names and "any" not in names and "rules" not in names
    assert "license" not in names  # "General" is also a rank, but "license" is a common word here
    assert names["aldo"] == "Ruth Aldo"
    # a run that only opens sentences may start with a verb; no name holds "the"
    assert "skua" not in names


def test_initialisms_of_names_spelled_out():
    from rag.text.links import initialisms

    found = initialisms("This is the GNU Lesser General Public License, by the Free Software Foundation.")
    assert {"LGPL", "GPL", "FSF", "GLGPL"} <= found and "GLG" not in found  # whole runs and their ends only
    assert "AI" not in initialisms("Amnesty International said so.")  # two letters are too easily met by chance
