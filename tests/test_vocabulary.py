from rag.answer.vocabulary import Vocabulary, fold

V = Vocabulary(["Céleron", "Bismarck", "Cretaceous", "Paleogene", "1700", "Townsend", "General"])


def test_fold():
    assert fold("Céleron") == "celeron"


def test_tolerant_matches():
    assert V.contains("Celeron")          # accents
    assert V.contains("Bismark")          # a typo in a long name
    assert V.contains("Cretaceous-Paleogene")  # hyphenated parts
    assert V.contains("1700s")            # decades


def test_absent_words_stay_absent():
    assert not V.contains("Obama")
    assert not V.contains("Secretary-General")  # one part missing
    assert not V.contains("2018")
    assert not V.contains("UN")


def test_names_written_with_symbols_or_initials():
    assert V.contains("Bismarck+")             # "Sky+": the word without its symbol
    assert V.contains("Townsend+General")      # every part present
    assert not V.contains("Townsend+Obama")    # one part missing
    assert V.contains("J.")                    # the initial of "J. A. Hobson" names nothing alone
    assert not V.contains("Obama+")


def test_a_typo_is_one_edit_keeping_the_first_letter():
    v = Vocabulary(["whether", "done", "does", "targeting", "Townsend", "coalition"])
    assert v.contains("targetting") and v.contains("Townsned") and v.contains("coaliton")  # added, swapped, dropped
    assert v.contains("coalitian")  # one letter changed
    assert not v.contains("weather")  # two edits from "whether": another word
    assert not v.contains("drones")  # two edits from "done"
    assert not v.contains("Gownsend")  # the first letter is not a typo's


def test_a_hyphenated_word_counts_joined():
    # a PDF's word broken at a wrap keeps its hyphen when the text has no other spelling ("Life-time")
    v = Vocabulary(["Life-time", "Achievement"])
    assert v.contains("lifetime") and v.contains("life") and v.contains("Lifetime")
    assert not v.contains("lifeline")


def test_a_unit_written_onto_its_number_counts_by_the_unit():
    units = Vocabulary(["16bit", "64KB", "2nd"])
    assert units.contains("bit") and units.contains("kb") and units.contains("16bit")
    assert not units.contains("byte") and not units.contains("16")


def test_a_typo_is_spelled_as_the_corpus_spells_it_for_search():
    v = Vocabulary(["cycles", "constraints", "Jones", "general", "cyclic"])
    assert v.spelled("cycels") == "cycles" and v.spelled("constriants") == "constraints"
    assert v.spelled("Jonas") == "Jonas"  # a name: a near-miss's other person, not a typo to mend
    assert v.spelled("cycles") == "cycles" and v.spelled("teh") == "teh"  # known; too short to judge
    assert Vocabulary(["cycles", "cyclex"]).spelled("cyclez") == "cyclez"  # two words one edit away: no guess
