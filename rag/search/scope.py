"""Which documents a question may be answered from: the user's choice, resolved against one index.

A user names documents by id (or its first 6+ characters), by file name (``report.pdf``),
by path as recorded (``docs/report.pdf``), or by a glob over either (``*.pdf``,
``notes/2024-*``); a document read from several files (aliases) matches any of them.
The result, a :class:`Scope`, holds the chosen documents and the ids of their passages:
each document's passages are one range of ids (rag/store/passage_table.py), so the scope
is a few ranges however large the documents.

Retrieval filters *before* ranking (rag/search/retrieval.py): the dense search and BM25
only ever see the chosen passages, so a small document is not crowded out of the top
candidates by a large corpus. The answer engine reads the scope of the question being
answered from :func:`active_scope` (set with :func:`within` around one synchronous call),
so code between the engine's entry point and its retrieval need not pass it along.
"""

from __future__ import annotations

import contextlib
import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from ..store.documents import Document

MIN_ID_PREFIX = 6  # a shorter prefix of a 16-character id would match by accident
_GLOB = set("*?[")


class ScopeError(ValueError):
    """A selector that matches no indexed document; the message names it and what is indexed."""


@dataclass(frozen=True)
class Scope:
    """The documents a question is limited to, and their passages as ranges of passage ids."""

    doc_ids: tuple[str, ...]
    ranges: tuple[range, ...]

    @property
    def passages(self) -> int:
        """How many passages the scope holds."""
        return sum(len(r) for r in self.ranges)

    def pids(self) -> np.ndarray:
        """Every passage id of the scope, ascending."""
        parts = [np.arange(r.start, r.stop, dtype=np.int64) for r in self.ranges]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def __contains__(self, pid: object) -> bool:
        return isinstance(pid, (int, np.integer)) and any(int(pid) in r for r in self.ranges)

    def holds(self, doc_id: str) -> bool:
        """Whether document ``doc_id`` is one of the chosen."""
        return doc_id in self.doc_ids


def matches(doc: Document, selector: str) -> bool:
    """Whether ``selector`` names ``doc``: its id (or a prefix of 6+ characters), a file's name or recorded
    path, or a glob over either (case-sensitive, as file names are)."""
    if selector == doc.doc_id or (len(selector) >= MIN_ID_PREFIX and doc.doc_id.startswith(selector)):
        return True
    return names_file(doc, selector)


def names_file(doc: Document, selector: str) -> bool:
    """Whether ``selector`` is one of ``doc``'s files: its recorded path, its name, or a glob over either."""
    glob = bool(_GLOB & set(selector))
    for source in doc.sources:
        names = (source, PurePath(source).name)
        if selector in names or (glob and any(fnmatch.fnmatchcase(n, selector) for n in names)):
            return True
    return False


def resolve_scope(documents: Mapping[str, Document], of_document, selectors: Iterable[str] | None) -> Scope | None:
    """The scope ``selectors`` name among ``documents`` (an index's, in index order); None for no selectors
    (everything). ``of_document(doc_id)`` gives a document's passage ids as a range. A selector that
    matches nothing is a :class:`ScopeError`, so a typo never silently widens or empties the search."""
    wanted = [s.strip() for s in (selectors or []) if s and s.strip()]
    if not wanted:
        return None
    chosen: set[str] = set()
    for selector in wanted:
        found = {doc_id for doc_id, doc in documents.items() if matches(doc, selector)}
        if not found:
            raise ScopeError(f"no indexed document matches '{selector}' (indexed: {_names(documents)})")
        chosen |= found
    return scope_of([d for d in documents if d in chosen], of_document)


def scope_of(doc_ids: Iterable[str], of_document) -> Scope:
    """The scope of ``doc_ids`` (in that order); ``of_document(doc_id)`` gives a document's passage ids as a range."""
    ids = tuple(doc_ids)
    return Scope(ids, tuple(r for r in (of_document(d) for d in ids) if len(r)))


def _names(documents: Mapping[str, Document], limit: int = 8) -> str:
    names = [PurePath(doc.source).name or doc.doc_id for doc in documents.values()]
    return ", ".join(names[:limit]) + (f", … ({len(names)} in all)" if len(names) > limit else "")


# -- the scope of the question being answered ------------------------------------------------
_ACTIVE: ContextVar[Scope | None] = ContextVar("rag_scope", default=None)


def active_scope() -> Scope | None:
    """The scope set by the innermost :func:`within` of this thread or task (None: the whole index)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def within(scope: Scope | None) -> Iterator[None]:
    """Answer inside ``scope`` until the block ends. Wrap synchronous calls only: a ``yield`` inside the
    block would leave the scope set in the caller's context while the generator is suspended."""
    token = _ACTIVE.set(scope)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
