from rag.answer.analysis import analyze
from rag.answer.coverage import coverage, covered_terms
from rag.text.links import link_document


def idf(term: str) -> float:
    return 1.0


def test_terms_found_by_stem():
    a = analyze("How many civilians were killed in the attacks?")
    cov = coverage(a.key_terms, "At least 3,706 civilians were killed in attacks.", idf)
    assert cov.names and cov.share == 1.0 and not cov.missing


def test_missing_name_and_share():
    a = analyze("What did Lopez say about drones?")
    cov = coverage(a.key_terms, "The minister spoke about drones.", idf)
    assert not cov.names and "Lopez" in cov.missing


def test_abbreviation_and_long_form_cover_each_other():
    links = link_document("Amnesty International published a report. AI said it was thorough.")
    asked = analyze("What does AI say?").key_terms
    assert covered_terms(asked, "Amnesty International said so.", [links])
    asked = analyze("What did Amnesty say?").key_terms
    assert covered_terms(asked, "AI said so.", [links])


def test_initials_cover_a_spelled_out_name():
    a = analyze("Is the coalition led by the United States?")
    cov = coverage(a.key_terms, "the U.S.-led coalition attacked", idf)
    assert cov.names and cov.share == 1.0


def test_an_option_is_covered_only_as_written():
    text = "The -v flag prints every command; -k N keeps going until N jobs fail."
    a = analyze("What does the -k flag do?")
    assert covered_terms(a.key_terms, text) == {0, 1}
    for other in ("What does the -K flag do?", "What does the -z flag do?", "What does the --k flag do?"):
        assert 0 not in covered_terms(analyze(other).key_terms, text), other


def test_a_file_extension_is_covered_only_as_written():
    text = "11. Can zlib handle .zip archives? Not by itself. Unpack data.TAR.GZ first."

    def covered(question):
        terms = analyze(question).key_terms
        return {terms[i].text for i in covered_terms(terms, text)}

    assert {".rar", "archives"} <= {t.text for t in analyze("can zlib open .rar archives").key_terms}
    rar = covered("can zlib open .rar archives")
    assert "archives" in rar and ".rar" not in rar  # "rar" is no word here
    assert ".ZIP" in covered("Does it read .ZIP files?")  # in any case
    assert ".tar.gz" in covered("Is .tar.gz supported?")  # ending a file's name
    assert ".tar" not in covered("Is .tar supported?")  # not inside a longer one


def test_a_name_with_an_underscore_or_a_unit_on_its_number_is_covered():
    text = "Before Linux kernel 2.4 `uid_t` used to be 16bit. Check Z_BUF_ERROR."
    terms = analyze("Before which Linux kernel version was uid_t only 16 bit?").key_terms
    assert {terms[i].text for i in covered_terms(terms, text)} == {"Linux", "kernel", "uid_t", "16", "bit"}
    terms = analyze("What does z_buf_error mean, and uid_x?").key_terms
    assert {terms[i].text for i in covered_terms(terms, text)} == {"z_buf_error"}


def test_a_name_written_as_code_or_joined_to_a_number_is_covered_as_written():
    def covered(question, text):
        terms = analyze(question).key_terms
        return {terms[i].text for i in covered_terms(terms, text)}

    # the text's words split them ("audio", "mpeg"): they were never covered, so always missing from a window
    assert covered("what is the alias for audio/mpeg?", "audio/mpeg has an alias.") == {"alias", "audio/mpeg"}
    assert covered("who may create /var/lib/dpkg/triggers?", "Only dpkg may create /var/lib/dpkg/triggers.") == {
        "create", "/var/lib/dpkg/triggers"}
    assert covered("Does it support HTTP/3?", "It supports HTTP/2. Python 3 is needed.") == {"support"}


def test_an_abbreviation_is_covered_by_the_name_it_abbreviates():
    text = "You may apply the terms of the ordinary GNU General Public License instead of this Lesser License."
    a = analyze("Can I switch an LGPL library over to the GNU GPL?")
    names = [t.text for t in a.key_terms]
    found = covered_terms(a.key_terms, text)
    assert names.index("GPL") in found and names.index("LGPL") not in found  # "Lesser License" is no "LGPL"


def test_a_name_with_its_version_glued_on_is_covered_by_the_name_and_its_version():
    def covered(question, text):
        terms = analyze(question).key_terms
        return {terms[i].text for i in covered_terms(terms, text)}

    text = "This is the GNU General Public License, Version 3. The licence forbids devices that deny users access."
    assert covered("Why does GPLv3 forbid devices?", text) == {"GPLv3", "forbid", "devices"}
    assert covered("Why does GPLv2 forbid devices?", text) == {"forbid", "devices"}  # another version
    assert covered("Why does GPL v3 forbid devices?", text) >= {"GPL", "v3"}
