"""Hard line wraps become spaces; the author's own line breaks stay."""

from rag.ingest.sources import clean_text
from rag.ingest.wrapping import soft_breaks, wrap_width

WRAPPED = """Terms of Use
============

1. Grant. The Licensor grants you a worldwide, royalty-free, non-exclusive
licence to use, copy and modify the Work, provided that every copy carries
this notice and the disclaimer below. The licence ends at once if you break
any of its terms.

2. Notices. You must keep all copyright notices intact, and you must mark
any file you change with a prominent notice stating that you changed it.
   (a) a list item stays on its own line;
   (b) and so does this one.
"""


def test_a_wrapped_text_has_a_width_and_unwrapped_lines_have_none():
    assert 70 <= wrap_width([len(line) for line in WRAPPED.splitlines()]) <= 80
    prose = ["A whole paragraph on one line, as a news site's text file has it. " * 4] * 8
    assert wrap_width([len(p) for p in prose]) is None  # far wider than any wrapping column
    assert wrap_width([10, 12, 9, 11, 14, 10, 12]) is None  # short lines: a list, not wrapped prose


def test_wraps_join_and_headings_underlines_and_list_items_keep_their_breaks():
    lines = WRAPPED.splitlines()
    wraps = soft_breaks(lines)
    assert 0 not in wraps and 1 not in wraps  # the title, its underline
    assert {3, 4, 5} <= wraps  # inside paragraph 1
    text = clean_text(WRAPPED)
    assert "non-exclusive licence to use" in text and "carries this notice" in text
    assert "Terms of Use\n=" in text
    assert "changed it.\n(a) a list item" in text and "line;\n(b) and so" in text


def test_a_text_of_long_lines_is_left_alone():
    text = "First paragraph, long enough to be a whole line of prose in a file.\nSecond line, short.\n"
    assert clean_text(text) == "First paragraph, long enough to be a whole line of prose in a file.\nSecond line, short."


def test_a_number_that_goes_on_with_the_sentence_is_a_wrap_not_a_list_item():
    # a wrapped line may start with a number ("section 7", "60 days"); after a line that ends in a word it
    # continues that sentence, while after punctuation it starts an item
    text = """Conditions
==========

The Work must carry a prominent notice stating that it is released under
these terms and under any further conditions that were added in section
7.  This requirement applies to every copy of the Work that you convey.
If you stop every violation, your rights come back unless the holder tells
you otherwise by some reasonable means within the period that ends before
60 days after you stopped. The holder may also end them for good:
1. if the violation is repeated after a first notice;
2. if the notice went unanswered.
"""
    cleaned = clean_text(text)
    assert "added in section 7. This requirement" in cleaned
    assert "ends before 60 days after" in cleaned
    assert "for good:\n1. if the violation" in cleaned and "notice;\n2. if the notice" in cleaned


def test_a_word_hyphenated_across_a_wrap_is_one_word_again():
    # a typesetter's hyphen goes when the whole word is in the text elsewhere ("management"); a compound's
    # stays ("self-contained"); a capitalised next word is another word ("Anglo- Saxon" left as it is)
    text = """Handling
========

This library gives structure management without any generated code at all,
and the tables it keeps for the management of every node stay in one man-
agement area, which is the reason that each and every node is kept self-
contained as well. The parser reads each and every one of the fields OP-
TIONAL in the same way as it reads each OPTIONAL field, and the old Anglo-
Saxon names of the types are read exactly as they were written in source.
The rest of the text goes on in the same way for a few more lines of text
so that the width of its lines can be found by counting their characters.
"""
    lines = text.splitlines()
    assert {3, 4, 5, 6, 7} <= soft_breaks(lines)
    cleaned = clean_text(text)
    assert "in one management area" in cleaned and "man-" not in cleaned
    assert "node is kept self-contained as well" in cleaned and "the fields OPTIONAL in" in cleaned
    assert "old Anglo- Saxon names" in cleaned


def test_a_narrow_column_of_a_pdf_is_wrapped_prose_and_a_section_heading_keeps_its_break():
    # a two-column paper's text layer: lines of 46 to 52 characters; "5 Conclusions" starts a section
    column = """Common browsers support HTML and CSS, but they do
not support all the CSS functionality for page-
based formatting. For example, the browsers do not
support footnotes or page floats. This paper has
been formatted with Prince, a purpose-built program
for converting the HTML and XML documents into PDF
by way of CSS, and it is given to everyone at no cost
5 Conclusions
Each good paper concludes the most significant
findings in the end, and it thanks all who helped."""
    text = clean_text(column)
    assert "This paper has been formatted with Prince" in text and "page-based formatting" in text
    assert "at no cost\n5 Conclusions\nEach good paper" in text
