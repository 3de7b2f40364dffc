"""Hard line wraps: which line breaks of a text only wrap a paragraph at a fixed width.

Plain-text licences, e-mails, RFC-style documents and a PDF's text layer break every line at
about the same width. A break is a *wrap* when the next line's first word would not have fit on
the line before: the writer (or the typesetter) moved it down for want of room. Any other break
(after a short line: a heading, a list item, a table cell, a paragraph's last line) is the
author's. A text is taken as wrapped only when many of its lines end near one width and almost
none run past it; a text of long unwrapped lines (one paragraph per line) has no wraps.
"""

from __future__ import annotations

import re

from ..text.sentences import NUMBERED_HEADING

# a wrapped text has at least this share of its lines within WRAP_BAND of its width, and at most
# TOO_LONG of them past it; widths beyond MAX_WIDTH are not wrapping widths (typical: 60-110; below
# MIN_WIDTH short lines are a list or verse, not wrapped prose)
WRAP_BAND = 0.8
MIN_NEAR = 0.2
TOO_LONG = 0.05
MIN_WIDTH, MAX_WIDTH = 50, 130
MIN_LINES = 6
# a line is "full" when it, a space and the next word reach this share of the width (proportional
# fonts in a PDF's text layer make character counts of full lines vary by about a tenth)
FULL = 0.85
_RULE = re.compile(r"^([=\-_*~#])\1{2,}$")  # a line of one repeated mark: a heading's underline, a rule
# a line that looks like a list item ("7. ", "(b) ", "- ") starts one after a line that ends in punctuation;
# after one that ends in a word it goes on with the sentence ("added under section\n7.  This requirement",
# "prior to\n60 days"), and is a wrap when the line before is full
_LIST_ITEM = re.compile(r"^(?:[-*•+‣◦]|\(?\w{1,3}[.)]|\d{1,3}(?:\.\d+)*\.?)\s")


def wrap_width(lengths: list[int]) -> int | None:
    """The width a text's lines were wrapped at, or None when they were not wrapped."""
    lengths = sorted(n for n in lengths if n > 0)
    if len(lengths) < MIN_LINES:
        return None
    width = lengths[int(0.95 * (len(lengths) - 1))]
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        return None
    near = sum(WRAP_BAND * width <= n <= width for n in lengths) / len(lengths)
    beyond = sum(n > width + 2 for n in lengths) / len(lengths)
    return width if near >= MIN_NEAR and beyond <= TOO_LONG else None


def soft_breaks(lines: list[str]) -> set[int]:
    """Indexes ``i`` of the lines whose break before line ``i + 1`` is a wrap (the two join with a space)."""
    raw = [line.expandtabs().rstrip() for line in lines]
    width = wrap_width([len(r) for r in raw])
    if width is None:
        return set()
    out: set[int] = set()
    for i in range(len(raw) - 1):
        line, following = raw[i], raw[i + 1].strip()
        if (
            not line.strip()
            or not following
            or (_LIST_ITEM.match(following) and not line[-1:].isalnum())
            or line.endswith(":")
            or _RULE.match(following)
            or NUMBERED_HEADING.fullmatch(following)  # "5 Conclusions" starts a section, whatever the line before
            or _RULE.match(line.strip())
        ):
            continue
        # an indented or quoted block is narrower than the page: measure against its own width
        local = max(len(r) for r in raw[max(0, i - 2) : i + 3])
        if local < min(MIN_WIDTH, FULL * width):
            continue  # a run of short lines (a table, a list of names) is not prose; a narrow column's may be full
        if len(line) + 1 + len(following.split()[0]) >= FULL * min(width, local):
            out.add(i)
    return out
