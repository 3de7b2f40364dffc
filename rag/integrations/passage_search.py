"""Cited passages for a query: the top passages of hybrid retrieval, each with its best supporting sentence.

This is what the outer integrations return when they are asked to *search* rather than
to answer: llama-index's ``CitedRetriever`` (rag/integrations/llama_index.py) and the
MCP ``search`` tool (ui/mcp_tools.py). A passage is reported as a
:class:`~rag.answer.types.Citation`, so a searched passage and a cited one look the
same to a caller: document, passage offsets, passage text, and the offsets of the
sentence that best supports the query (scored by :meth:`Retriever.evidence`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..answer.cite import citation
from ..answer.types import Citation, Span
from ..search.retrieval import Retriever
from ..search.scope import Scope, resolve_scope

if TYPE_CHECKING:
    from ..assistant import Assistant

MAX_PASSAGES = 50  # the most passages one search returns: evidence scores every sentence of each


def cited_passages(retriever: Retriever, query: str, k: int = 5, scope: Scope | None = None) -> list[Citation]:
    """The top ``k`` passages for ``query`` (of ``scope``'s documents only, when given), best first, numbered
    1..k, with their best sentence.

    The score is the passage's fused retrieval score (dense + BM25, higher is better);
    ``sentence_start``/``sentence_end`` are the offsets, in the document's clean text, of
    the passage's sentence that best supports the query. An empty or blank query finds nothing.
    """
    query = (query or "").strip()
    k = max(0, min(int(k), MAX_PASSAGES))
    if not query or k == 0:
        return []
    qvec = retriever.embedder.encode_query(query)
    hits = retriever.search(query, k=k, qvec=qvec, scope=scope)
    best: dict[int, tuple[int, int]] = {}
    for ev in retriever.evidence(query, hits, qvec=qvec, passages=len(hits)):  # best supporting first
        best.setdefault(ev.pid, (ev.start, ev.end))
    out = []
    for n, hit in enumerate(hits, start=1):
        p = retriever.index.passages[hit.pid]
        s_start, s_end = best.get(hit.pid, (p.start, p.end))
        out.append(citation(retriever.index, n, Span(hit.pid, s_start, s_end, hit.score)))
    return out


class AssistantSearch:
    """Cited passages over an :class:`Assistant`'s current index, following its rebuilds.

    The Assistant keeps its Retriever private, so this keeps one of its own for the
    index the Assistant serves now, and makes a new one when a rebuild swaps the index.
    """

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()

    def retriever(self) -> Retriever:
        index = self.assistant.index
        with self._lock:
            if self._retriever is None or self._retriever.index is not index:
                self._retriever = Retriever(index, self.assistant.embedder, self.assistant.settings)
            return self._retriever

    def search(self, query: str, k: int = 5, documents: Sequence[str] | None = None) -> list[Citation]:
        """:func:`cited_passages` over the current index, from the ``documents`` named (ids, file names or
        globs, rag.search.scope; None: all), or ScopeError."""
        retriever = self.retriever()
        index = retriever.index
        return cited_passages(
            retriever, query, k, resolve_scope(index.documents, index.passages.of_document, documents)
        )
