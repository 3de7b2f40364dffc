"""llama-index objects in: its Documents built into an index (to_document, build_from_documents), and this
project's embedding model as a llama-index embedding (LocalEmbedding)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.schema import Document as LlamaDocument

from ..ingest.build import BuildReport, write_index
from ..ingest.sources import clean_text
from ..settings import Settings
from ..store.documents import Document, content_id


# -- documents in ----------------------------------------------------------------------
def to_document(doc: LlamaDocument) -> Document | None:
    """A llama-index Document as this project's Document (its text cleaned; offsets refer to the clean text).

    The title is ``metadata["title"]``, else ``metadata["file_name"]``, else the text's first
    line; the source is ``metadata["file_path"]``, ``["source"]`` or ``["url"]``, else
    ``llama-index:<doc id>``. None for a document with no text after cleaning.
    """
    text = clean_text(doc.get_content() or "")
    if not text:
        return None
    meta = doc.metadata or {}
    first = text.split("\n", 1)[0].strip()
    title = clean_text(str(meta.get("title") or meta.get("file_name") or "")) or (
        first if len(first) <= 200 else first[:200]
    )
    source = str(meta.get("file_path") or meta.get("source") or meta.get("url") or f"llama-index:{doc.doc_id}")
    return Document(doc_id=content_id(text), title=title, source=source, text=text)


def build_from_documents(
    documents: Iterable[LlamaDocument], settings: Settings, *, embedder: Any = None, show_progress: bool = False
) -> BuildReport:
    """Build ``settings.index_dir`` from llama-index ``Document`` objects (replacing what it held).

    Documents with no text are skipped and named in the report; documents with the same
    text are indexed once. The index records no source files, so ``rag ingest`` with no
    path cannot refresh it: build it again from the documents instead.
    """
    docs, skipped = [], []
    for d in documents:
        converted = to_document(d)
        if converted is None:
            skipped.append((f"llama-index:{d.doc_id}", "no text after cleaning"))
        else:
            docs.append(converted)
    return write_index(docs, [], settings, skipped=skipped, embedder=embedder, show_progress=show_progress)


# -- the embedding model ---------------------------------------------------------------------
class LocalEmbedding(BaseEmbedding):
    """This project's embedding model (rag.search.embedding.Embedder) as a llama-index embedding.

    Queries are embedded with the model's query form and texts as passages, exactly as
    this project's own index does, so a llama-index ``VectorStoreIndex`` built with it
    ranks like the dense half of :class:`CitedRetriever`. Runs offline.
    """

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Any = None, model: str = "all-MiniLM-L6-v2", **kwargs: Any):
        super().__init__(model_name=model, **kwargs)
        if embedder is None:
            from ..search.embedding import Embedder

            embedder = Embedder(model)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.encode_query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.encode([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [v.tolist() for v in self._embedder.encode(list(texts))]
