"""llama-index ``MetadataFilters`` on ``doc_id`` and ``source``, as the documents a question is limited to.

A llama-index user limits a retriever the way vector stores are limited: ``MetadataFilters``
on the nodes' metadata. Here the keys that name a document count: ``doc_id`` (the id) and
``source`` (the file, matched like `rag ask --doc`: its recorded path, its name, or a glob).
Operators: ``==``, ``!=``, ``in``, ``nin`` (and ``text_match``, a substring of the
source); conditions ``and``, ``or`` and ``not``, nested. The result is a list of document ids,
which retrieval turns into a filter applied before ranking (rag/search/scope.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from llama_index.core.vector_stores.types import FilterCondition, FilterOperator, MetadataFilter, MetadataFilters

from ..search.scope import names_file
from ..store.documents import Document

KEYS = ("doc_id", "source")


def _is(doc: Document, key: str, value: object) -> bool:
    if key == "doc_id":
        return doc.doc_id == value
    return isinstance(value, str) and names_file(doc, value)


def _selects(doc: Document, f: MetadataFilter) -> bool:
    if f.key not in KEYS:
        raise ValueError(f"cannot filter on metadata '{f.key}': a question can be limited by {' or '.join(KEYS)}")
    values = f.value if isinstance(f.value, list) else [f.value]
    op = f.operator
    if op in (FilterOperator.EQ, FilterOperator.IN):
        return any(_is(doc, f.key, v) for v in values)
    if op in (FilterOperator.NE, FilterOperator.NIN):
        return not any(_is(doc, f.key, v) for v in values)
    if op == FilterOperator.TEXT_MATCH and f.key == "source":
        return any(isinstance(v, str) and v in s for v in values for s in doc.sources)
    raise ValueError(f"cannot filter {f.key} with '{op.value}' (use ==, !=, in, nin, or text_match on source)")


def _holds(doc: Document, filters: MetadataFilters) -> bool:
    found = [(_holds(doc, f) if isinstance(f, MetadataFilters) else _selects(doc, f)) for f in filters.filters]
    condition = filters.condition or FilterCondition.AND
    if condition == FilterCondition.OR:
        return any(found)
    if condition == FilterCondition.NOT:
        return not all(found)
    return all(found)


def filtered_documents(filters: MetadataFilters, documents: Mapping[str, Document]) -> list[str]:
    """The ids of ``documents`` that ``filters`` select, in index order (possibly none); ValueError for a key
    other than doc_id or source, or an operator that cannot apply to a document's name."""
    return [doc_id for doc_id, doc in documents.items() if _holds(doc, filters)]
