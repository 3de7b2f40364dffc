"""A rebuild's reuse of the current index's notes for documents whose text did not change."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..settings import Settings
from ..store.documents import Document
from ..store.manifest import existing_build, read_manifest
from ..store.notes import read_notes
from ..text.attribution import (
    ATTRIBUTION_VERSION,
    attribute,
    statement_to_json,
)
from ..text.links import link_document


@dataclass
class PreviousNotes:
    """The current index's notes, for the documents a rebuild finds unchanged."""

    attributed: set[str] = field(default_factory=set)  # documents the current index attributed
    stored: dict[str, dict] = field(default_factory=dict)  # their notes as stored (those that have any)

    def of(self, doc: Document, sentences: list[tuple[int, int]]) -> dict:
        """A document's notes (JSON): copied when its text was attributed before, else found now."""
        if doc.doc_id in self.attributed:
            return self.stored.get(doc.doc_id, {})
        return {
            "statements": [statement_to_json(st) for st in attribute(doc.text, sentences)],
            "links": link_document(doc.text).to_json(),
        }


def previous_notes(settings: Settings) -> PreviousNotes:
    """The current index's notes; none when the index is missing, damaged, or was built with
    other attribution rules or chunking (sentences could differ)."""
    try:
        manifest = read_manifest(Path(settings.index_dir))
        if manifest.get("attribution") != ATTRIBUTION_VERSION or manifest.get("chunking") != settings.chunking():
            return PreviousNotes()
        return PreviousNotes(
            {d["doc_id"] for d in manifest["documents"]}, read_notes(existing_build(Path(settings.index_dir)))
        )
    except Exception:  # no index, or a damaged one: attribute every document again
        return PreviousNotes()
