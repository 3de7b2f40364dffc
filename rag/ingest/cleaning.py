"""Cleaning a source's text: Unicode and whitespace normalised, paragraphs kept, boilerplate dropped, offsets carried (Draft)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..store.documents import Heading
from .wrapping import soft_breaks

# Site furniture that is not part of an article. Matched against whole lines.
BOILERPLATE = [
    # a request about the site's comment section, not about the article's subject
    re.compile(r"^(please )?(let us know|tell us|contact us)\b.{0,60}\bcomment(s|ing)?\b.{0,20}$", re.I),
    re.compile(r"^(share (this|on) .{0,40}|click here to .{0,60}|sign up for our newsletter.{0,60})$", re.I),
    # a table of contents' or an index's entry: dot leaders to a page number ("threads . . . . . 1")
    re.compile(r"^.{0,160}?(?:\s?\.){4,}\s*[\dIVXLCivxlc]+$"),
]

_SPACES = re.compile(r"[ \t\f\v]+")


def normalize_text(text: str) -> str:
    """Cleaning's first step: Unicode NFC, every line break a ``\\n``, no-break spaces as spaces, no byte-order marks."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u00a0", " ").replace("\ufeff", "")


def clean_text(text: str) -> str:
    """Normalise unicode and whitespace, keep paragraphs, drop boilerplate lines."""
    return clean_lines(normalize_text(text).split("\n"))[0]


def clean_lines(lines: list[str]) -> tuple[str, list[int]]:
    """The clean text of normalised lines, and where each line begins in it.

    Each line is whitespace-collapsed and stripped, boilerplate lines are dropped, a run of
    blank lines becomes one paragraph break, and blank lines at either end go. In a text wrapped
    at a fixed width, a break that only wraps a paragraph becomes a space (rag/ingest/wrapping.py). ``starts``
    has one offset per line and one more for the end: a blank or dropped line begins where
    the next text does. A page start or heading marked on a line so keeps an exact offset.
    """
    parts: list[str] = []
    starts: list[int | None] = []
    size, blank = 0, False
    wraps = soft_breaks(lines)  # breaks that only wrap a paragraph at a fixed width join with a space
    known = _words(lines) if wraps else frozenset()
    previous = -1
    for i, line in enumerate(lines):
        line = _SPACES.sub(" ", line).strip()
        if not line or any(p.match(line) for p in BOILERPLATE):
            blank = blank or not line  # a dropped line is gone; a blank one breaks the paragraph
            starts.append(None)
            continue
        if parts:
            wrapped = not blank and previous == i - 1 and previous in wraps
            joint = _hyphen_joint(parts[-1], line, known) if wrapped else None
            if joint is not None:  # a word hyphenated across the wrap
                parts[-1], size = parts[-1][: len(parts[-1]) - (joint == "")], size - (joint == "")
                parts.append("")
            else:
                parts.append("\n\n" if blank else " " if wrapped else "\n")
            size += len(parts[-1])
        previous = i
        starts.append(size)
        parts.append(line)
        size += len(line)
        blank = False
    following = size
    filled: list[int] = []  # a blank or dropped line's start is the next text's
    for start in reversed(starts):
        following = following if start is None else start
        filled.append(following)
    filled.reverse()
    return "".join(parts), [*filled, size]


def _words(lines: list[str]) -> frozenset[str]:
    return frozenset(w.lower() for line in lines for w in re.findall(r"[^\W\d_]+", line))


def _hyphen_joint(before: str, after: str, known: frozenset[str]) -> str | None:
    """How a line ending in a hyphenated word part joins the next: "" (the hyphen dropped, "man-" +
    "agement", "OP-" + "TIONAL") when the whole word occurs elsewhere in the text, "-" (kept, "self-" +
    "contained") when it does not; None when the line does not end in a word part and a hyphen, or the
    next goes on in another case."""
    head = re.search(r"([^\W\d_]+)-$", before)
    tail = re.match(r"([^\W\d_]+)", after)
    if head is None or tail is None or not (after[:1].islower() or head.group(1).isupper() and tail.group(1).isupper()):
        return None  # "Anglo-" + "Saxon" is two words
    return "" if (head.group(1) + tail.group(1)).lower() in known else "-"


@dataclass
class Draft:
    """A source's text before cleaning: normalised lines, and the lines where pages and headings begin.

    Readers add blocks (a page, a paragraph, a whole file) separated by a blank line, so the
    clean text is the same as cleaning the blocks joined by blank lines, and every mark on a
    line comes out as an exact offset into it.
    """

    lines: list[str] = field(default_factory=list)
    page_lines: list[int] = field(default_factory=list)
    heading_lines: list[tuple[int, int, str]] = field(default_factory=list)  # (line, level, text)

    def add(self, text: str, heading: int | None = None) -> None:
        """Append a block; ``heading`` is its level when the block is a heading."""
        if self.lines:
            self.lines.append("")
        if heading is not None:
            self.heading_lines.append((len(self.lines), heading, text))
        self.lines.extend(normalize_text(text).split("\n"))

    def new_page(self) -> None:
        """The next block begins a page (a page with no text begins where the next text does)."""
        self.page_lines.append(len(self.lines) + (1 if self.lines else 0))

    def finish(self) -> tuple[str, tuple[int, ...], tuple[Heading, ...]]:
        """The clean text, the offset of each page's start, and the headings with their offsets."""
        text, starts = clean_lines(self.lines)
        last = len(starts) - 1
        pages = tuple(starts[min(line, last)] for line in self.page_lines)
        headings = []
        for line, level, name in self.heading_lines:
            name = " ".join(clean_text(name).split())
            if name:
                headings.append(Heading(starts[min(line, last)], level, name))
        return text, pages, tuple(headings)
