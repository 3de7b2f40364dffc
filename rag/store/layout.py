"""Where a span of a document sits in the original: its page(s) and the chain of headings above it.

A document read from a PDF records where each page starts in its clean text, and one read
from Markdown, HTML or DOCX records its headings with their levels (rag/ingest/formats.py). A
build writes them to ``layout.jsonl``, one line per document that has either; a loaded
index keeps, per such document, the page starts and each heading's chain, so the page
and section of any passage or sentence are a bisection away.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from pathlib import Path
from typing import NamedTuple

from .documents import Document, Heading

LAYOUT_FILE = "layout.jsonl"
SECTION_SEPARATOR = " › "


class Place(NamedTuple):
    """Where a span is: the pages it starts and ends on (1-based) and its section, each None when unknown."""

    page: int | None = None
    page_end: int | None = None
    section: str | None = None


NOWHERE = Place()


def section_chains(headings: tuple[Heading, ...], title: str) -> list[str | None]:
    """For each heading, the chain of headings it sits under and itself ("Findings › Mosul").

    A heading closes every open heading of its level or deeper. A top heading that is the
    document's title is left out of the chain: a citation shows the title already.
    """
    open_: list[Heading] = []
    chains: list[str | None] = []
    for heading in headings:
        while open_ and open_[-1].level >= heading.level:
            open_.pop()
        open_.append(heading)
        names = [h.text for h in open_]
        if names[0] == title:
            names = names[1:]
        chains.append(SECTION_SEPARATOR.join(names) or None)
    return chains


class DocumentLayout:
    """One document's page starts and heading chains, looked up by character offset."""

    def __init__(self, doc: Document):
        self.pages = doc.pages
        self.heading_starts = [h.start for h in doc.headings]
        self.sections = section_chains(doc.headings, doc.title)
        self._headings = {h.start: h.text.strip() for h in doc.headings}
        self._levels = {h.start: h.level for h in doc.headings}

    def is_heading(self, start: int, text: str) -> bool:
        """Whether ``text``, starting at ``start``, is a heading and nothing more (a title, not a statement)."""
        return self._headings.get(start) == text.strip()

    def level_of(self, start: int) -> int | None:
        """The level of the heading that starts at ``start`` (None when none does)."""
        return self._levels.get(start)

    def page_at(self, offset: int) -> int | None:
        """The page holding character ``offset`` (an empty page shares its start with the next, which wins)."""
        return max(1, bisect_right(self.pages, offset)) if self.pages else None

    def section_at(self, offset: int) -> str | None:
        """The section that character ``offset`` is in: the chain of the last heading starting at or before it."""
        i = bisect_right(self.heading_starts, offset) - 1
        return self.sections[i] if i >= 0 else None

    def place(self, start: int, end: int) -> Place:
        """The pages that characters ``start``..``end`` cover and the section they start in."""
        return Place(self.page_at(start), self.page_at(max(start, end - 1)), self.section_at(start))


def layouts(documents: dict[str, Document]) -> dict[str, DocumentLayout]:
    """The layout of each document that has pages or headings."""
    return {doc_id: DocumentLayout(doc) for doc_id, doc in documents.items() if doc.pages or doc.headings}


def layout_line(doc: Document) -> str | None:
    """A document's line of ``layout.jsonl``; None when it has neither pages nor headings."""
    if not doc.pages and not doc.headings:
        return None
    record = {"doc_id": doc.doc_id, "pages": list(doc.pages), "headings": [list(h) for h in doc.headings]}
    return json.dumps(record, ensure_ascii=False) + "\n"


def read_layout(build: Path) -> dict[str, tuple[tuple[int, ...], tuple[Heading, ...]]]:
    """A build's page starts and headings per document: doc_id -> (pages, headings); documents with neither are absent."""
    found = {}
    with open(build / LAYOUT_FILE, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            found[record["doc_id"]] = (
                tuple(int(p) for p in record["pages"]),
                tuple(Heading(int(s), int(level), str(text)) for s, level, text in record["headings"]),
            )
    return found
