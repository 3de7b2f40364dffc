"""rag/ingest/restructured.py: reStructuredText's blocks as a reader sees them."""

from rag.ingest.restructured import inline_text, rst_blocks

GUIDE = """\
==========
User Guide
==========

.. A comment, with its
   indented lines.

Running pip
===========

pip is a command line program. When you install it, a ``pip`` command is
added, as follows::

   python -m pip install SomePackage
   python -m pip list

.. tab:: Unix/macOS

   .. code-block:: shell
      :caption: one option

      python -m pip <pip arguments>

   ``python -m pip`` executes pip, see :ref:`Requirement Specifiers <specs>`
   and `PyPI`_ or `the docs <https://pip.pypa.io>`_.

Reasons
-------

There are a number of reasons for this:

#. The pip code assumes it is in sole control of the program.
#. pip's code is *not* thread safe.

* using the --proxy option in the form
  ``scheme://proxy:port``
* using **proxy** in a config file

.. _PyPI: https://pypi.org
"""


def test_titles_are_headings_levelled_by_the_order_their_style_appears():
    headings = [(text, level) for text, level in rst_blocks(GUIDE) if level is not None]
    assert headings == [("User Guide", 1), ("Running pip", 2), ("Reasons", 3)]


def test_directives_keep_their_content_and_comments_and_targets_go():
    blocks = [text for text, _ in rst_blocks(GUIDE)]
    assert not any("comment" in b or "tab::" in b or ":caption:" in b or "pypi.org" in b for b in blocks), blocks
    assert "python -m pip <pip arguments>" in blocks  # a code directive's lines, as they are
    assert "python -m pip install SomePackage\npython -m pip list" in blocks  # a literal block after "::"
    assert "pip is a command line program. When you install it, a pip command is added, as follows:" in blocks
    assert "python -m pip executes pip, see Requirement Specifiers and PyPI or the docs." in blocks


def test_each_list_item_is_a_paragraph_with_its_lines_joined():
    blocks = [text for text, _ in rst_blocks(GUIDE)]
    i = blocks.index("There are a number of reasons for this:")
    assert blocks[i + 1 : i + 5] == [
        "• The pip code assumes it is in sole control of the program.",
        "• pip's code is not thread safe.",
        "• using the --proxy option in the form scheme://proxy:port",
        "• using proxy in a config file",
    ]


def test_inline_markup_keeps_its_text():
    assert inline_text(":ref:`the guide <guide>` and ``x = 1``, *a* **b** `c`_") == "the guide and x = 1, a b c"
    assert inline_text("2 * 3 * 4") == "2 * 3 * 4"  # asterisks with spaces are no emphasis
    assert inline_text("Combine it with `leave=True`.") == "Combine it with leave=True."  # the default role


def test_deep_nesting_is_read_as_written_past_a_depth():
    text = "".join("   " * i + ".. note::\n\n" for i in range(1500)) + "   " * 1500 + "deep text\n"
    blocks = rst_blocks(text)  # no RecursionError
    assert "deep text" in blocks[-1][0]


README = """\
|Logo|

gull
====

|Build-Status| |Coverage| |PyPI|

``gull`` is a |project| for sea birds, under the |licence|_ licence.

+------+------+
| a    | b    |
+------+------+

Count |undefined| things.

.. |Logo| image:: https://example.org/logo.png
.. |Build-Status| image:: https://example.org/build.svg
   :target: https://example.org/ci
.. |Coverage| image:: https://example.org/cov.svg
.. |PyPI| image:: https://example.org/pypi.svg
   :alt: PyPI version
.. |project| replace:: small
   tracker
.. |LICENCE| replace:: MIT
"""


def test_substitutions_are_their_text_and_badge_images_are_dropped():
    blocks = [text for text, _ in rst_blocks(README)]
    assert blocks[0] == "gull"  # the logo line is no block of its own
    assert "PyPI version" in blocks  # an image's alt text is what a reader sees of it
    assert not any("|Build-Status|" in b or "example.org" in b for b in blocks), blocks
    assert "gull is a small tracker for sea birds, under the MIT licence." in blocks  # names match in any case
    assert "Count |undefined| things." in blocks  # not a substitution this document defines: left as written
    assert any("| a    | b    |" in b for b in blocks)  # a table's borders are no substitution
