"""Each document's notes: the statements attributed to its speakers, and its links (rag/text/links.py).

A build finds them once per document text and stores them in ``statements.jsonl``, one
line per document that has any. A rebuild copies them for documents whose text did not
change (a document's id is the hash of its text); a loaded index of other attribution
rules has them found again.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..text.attribution import (
    ATTRIBUTION_VERSION,
    Statement,
    attribute,
    statement_from_json,
)
from ..text.links import Links, link_document
from .documents import Document
from .passage_table import PassageTable

NOTES_FILE = "statements.jsonl"


def read_notes(build: Path) -> dict[str, dict]:
    """A build's notes: doc_id -> {"statements": [...], "links": {...}} (documents with neither are absent)."""
    found: dict[str, dict] = {}
    with open(build / NOTES_FILE, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            found[record["doc_id"]] = record
    return found


def load_notes(
    build: Path, manifest: dict, documents: dict[str, Document], passages: PassageTable
) -> tuple[dict[str, list[Statement]], dict[str, Links]]:
    """Each document's attributed statements and links, as the build found them.

    An index built by another version of the rules has them found again here (slower to
    load, but what the current rules say).
    """
    if manifest.get("attribution") != ATTRIBUTION_VERSION:
        return (
            {doc_id: attribute(doc.text, passages.document_sentences(doc_id)) for doc_id, doc in documents.items()},
            {doc_id: link_document(doc.text) for doc_id, doc in documents.items()},
        )
    stored = read_notes(build)
    statements = {
        doc_id: [statement_from_json(st) for st in stored.get(doc_id, {}).get("statements", [])] for doc_id in documents
    }
    return statements, {doc_id: Links.from_json(stored.get(doc_id, {}).get("links")) for doc_id in documents}


def notes_line(doc_id: str, notes: dict) -> str | None:
    """A document's line of ``statements.jsonl``; None when it has neither statements nor links."""
    if notes.get("statements") or any((notes.get("links") or {}).values()):
        return json.dumps({"doc_id": doc_id, **notes}, ensure_ascii=False) + "\n"
    return None
