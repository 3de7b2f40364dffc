"""Plain text's underlined titles as headings."""

from rag.ingest.plaintext import text_blocks

NOTES = """\
Gull 2.7 Release Notes
======================

Updates since v2.6
------------------

 * "gull count" learned the "--shore" option.

Fixes since v2.6
----------------

 * A crash on empty logs was fixed.
   Option    Default
   ------    -------
   --shore   none
The last line of a paragraph
----------------------------

========
Overlined
========

Body.
"""


def test_underlined_titles_are_headings_levelled_by_their_rule():
    blocks = text_blocks(NOTES)
    headings = [(text, level) for text, level in blocks if level is not None]
    assert headings == [
        ("Gull 2.7 Release Notes", 1),
        ("Updates since v2.6", 2),
        ("Fixes since v2.6", 2),
        ("Overlined", 1),
    ]
    assert not any("======" in text and "Overlined" in text for text, _ in blocks)  # its overline goes with it
    assert (' * "gull count" learned the "--shore" option.', None) in blocks


def test_a_rule_under_a_paragraph_or_a_table_header_is_no_title():
    blocks = text_blocks(NOTES)
    fixes = next(text for text, level in blocks if level is None and "crash" in text)
    assert "   Option    Default\n   ------    -------" in fixes  # indented: a table's header rule
    assert "The last line of a paragraph\n----------------------------" in fixes  # no blank line before it


def test_text_without_titles_is_one_block_as_it_is():
    text = "  First line.\nSecond line.\n\n-----\n\nAfter a separator.\n"
    assert text_blocks(text) == [(text.strip("\n"), None)]
