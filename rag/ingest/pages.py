"""Running heads and feet of a paged document: lines every page repeats (a title, "Page 7").

They are furniture, not text: they would otherwise run into the first and last sentences of
each page. A line is a running one when, with its digits blanked out, it stands among the first
or last lines of at least three pages: a chapter's own running head ("Chapter 4: Function reference 17")
repeats on that chapter's pages only, far fewer than half of a manual's.
"""

from __future__ import annotations

import re
from collections import Counter

EDGE_LINES = 3  # a running head or foot is among a page's first or last three lines
MIN_PAGES = 3
_DIGITS = re.compile(r"\d+")


def _key(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.split()).lower())


def drop_running_lines(pages: list[str]) -> list[str]:
    """Each page's text without the running heads and feet the pages share."""
    split = [page.split("\n") for page in pages]
    counts: Counter[str] = Counter()
    for lines in split:
        edges = [ln for ln in lines if ln.strip()]
        counts.update({_key(ln) for ln in edges[:EDGE_LINES] + edges[-EDGE_LINES:]})
    running = {k for k, n in counts.items() if n >= MIN_PAGES}
    if not running:
        return pages
    out = []
    for lines in split:
        rows = [i for i, ln in enumerate(lines) if ln.strip()]
        at_edge = set(rows[:EDGE_LINES] + rows[-EDGE_LINES:])
        out.append("\n".join(ln for i, ln in enumerate(lines) if not (i in at_edge and _key(ln) in running)))
    return out
