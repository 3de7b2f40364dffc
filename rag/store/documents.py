"""What the store holds of each source: a document, its headings, its passages, and the text a passage is searched by."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..settings import Settings


class Heading(NamedTuple):
    """A heading of a document: where its line starts in the clean text, its level, its text.

    Levels are 1-9 (``#``/``<h1>``/"Heading 1" is 1); a Word "Title" paragraph is level 0.
    """

    start: int
    level: int
    text: str


@dataclass(frozen=True)
class Document:
    """A source's clean text with its identity; offsets elsewhere point into ``text``."""

    doc_id: str
    title: str
    source: str
    text: str
    # other files with the same clean text: one document, indexed once, with every name kept
    aliases: tuple[str, ...] = ()
    # where each page starts in ``text``: page n at ``pages[n - 1]`` (PDFs; an empty page starts where the next does)
    pages: tuple[int, ...] = ()
    # the headings of ``text`` in order (Markdown, HTML, DOCX)
    headings: tuple[Heading, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """Every file this document was read from, ``source`` first."""
        return (self.source, *self.aliases)


def content_id(text: str) -> str:
    """Stable id from content, so a renamed file keeps its id and a changed one gets a new one."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Passage:
    """A span of a document: ``text == doc.text[start:end]``; ``sentences`` are (start, end) in the document."""

    pid: int
    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...] = field(default_factory=tuple)

    @property
    def content_hash(self) -> str:
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()


def passage_text_for_search(p: Passage, doc: Document, settings: Settings) -> str:
    """The text embedded and BM25-indexed for a passage: the document title gives context."""
    if settings.title_in_passages and doc.title and not p.text.startswith(doc.title):
        return f"{doc.title}\n{p.text}"
    return p.text
